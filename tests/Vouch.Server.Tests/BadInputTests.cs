using System.Buffers.Text;
using System.Net;
using System.Text;
using Vouch.Server.Tests.Support;
using Vouch.Tests.Shared;

namespace Vouch.Server.Tests;

/// <summary>
/// Every kind of bad request gets a 4xx with its own stable code in MAA's error shape, never a 500, at and past
/// each limit. One server serves the whole table.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const string Attest = "attest/SgxEnclave?api-version=2020-10-01";
    private static readonly string SignalQuote = Base64Url.EncodeToString(File.ReadAllBytes(TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026", "quote.bin")));
    private VouchTestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await VouchTestServer.StartAsync(settings: new Dictionary<string, string?>
    {
        ["Vouch:Limits:MaxRequestBodyBytes"] = "65536",
        ["Vouch:Limits:MaxEvidenceBytes"] = "16384",
        ["Vouch:Limits:MaxJsonDepth"] = "8",
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string, string?, HttpStatusCode, string> Cases()
    {
        var data = new TheoryData<string, string, string?, HttpStatusCode, string>
        {
            { "POST", Attest, "{", HttpStatusCode.BadRequest, "ATT8002" },
            { "POST", Attest, "[1,2]", HttpStatusCode.BadRequest, "ATT8002" },
            { "POST", Attest, "\"quote\"", HttpStatusCode.BadRequest, "ATT8002" },
            { "POST", Attest, string.Empty, HttpStatusCode.BadRequest, "ATT8002" },
            { "POST", Attest, "{}", HttpStatusCode.BadRequest, "ATT8005" },
            { "POST", Attest, "{\"quote\":42}", HttpStatusCode.BadRequest, "ATT8005" },
            { "POST", Attest, "{\"quote\":\"AAAA*\"}", HttpStatusCode.BadRequest, "ATT8004" },
            { "POST", Attest, "{\"quote\":\"A\"}", HttpStatusCode.BadRequest, "ATT8004" },
            { "POST", Attest, "{\"quote\":\"AAAA\",\"Quote\":\"AAAA\"}", HttpStatusCode.BadRequest, "ATT8013" },
            { "POST", Attest, "{\"quote\":\"AAAA\"}", HttpStatusCode.BadRequest, "ATT7001" },
            { "POST", Attest, $"{{\"quote\":\"{SignalQuote}\",\"runtimeData\":{{\"data\":\"AAAA\",\"dataType\":\"Binary\"}}}}", HttpStatusCode.BadRequest, "ATT7004" },
            { "POST", Attest, $"{{\"quote\":\"{SignalQuote}\",\"runtimeData\":{{\"data\":\"AAAA\",\"dataType\":\"Text\"}}}}", HttpStatusCode.BadRequest, "ATT8013" },
            { "POST", Attest, $"{{\"quote\":\"{SignalQuote}\",\"runtimeData\":{{\"data\":\"AAAA\"}}}}", HttpStatusCode.BadRequest, "ATT8013" },
            { "POST", Attest, $"{{\"quote\":\"{SignalQuote}\",\"runtimeData\":\"AAAA\"}}", HttpStatusCode.BadRequest, "ATT8013" },
            { "POST", Attest, $"{{\"quote\":\"{SignalQuote}\",\"runtimeData\":{{\"data\":\"%%\",\"dataType\":\"Binary\"}}}}", HttpStatusCode.BadRequest, "ATT8004" },
            { "POST", Attest, $"{{\"quote\":\"{SignalQuote}\",\"nonce\":5}}", HttpStatusCode.BadRequest, "ATT8013" },
            { "POST", Attest, $"{{\"quote\":\"{SignalQuote}\",\"draftPolicyForAttestation\":\"version=1.0; authorizationrules{{\"}}", HttpStatusCode.BadRequest, "ATT7201" },
            { "POST", "attest/SgxEnclave", "{}", HttpStatusCode.BadRequest, "ATT8007" },
            { "POST", "attest/SgxEnclave?api-version=2019-01-01", "{}", HttpStatusCode.BadRequest, "ATT8008" },
            { "POST", "attest/SgxEnclave?api-version=2020-10-01&api-version=2022-08-01", "{}", HttpStatusCode.BadRequest, "ATT8008" },
            { "POST", "attest/Tpm?api-version=2020-10-01", "{\"data\":\"AAAA\"}", HttpStatusCode.BadRequest, "ATT8019" },
            { "POST", "providers/nobody/attest/SgxEnclave?api-version=2020-10-01", "{}", HttpStatusCode.NotFound, "ATT8010" },
            { "POST", "providers/Not_Valid/attest/SgxEnclave?api-version=2020-10-01", "{}", HttpStatusCode.NotFound, "ATT8010" },
            { "GET", "no/such/route", null, HttpStatusCode.NotFound, "ATT8017" },
            { "DELETE", "certs", null, HttpStatusCode.MethodNotAllowed, "ATT8018" },
            { "GET", "policies/SgxEnclave?api-version=2020-10-01", null, HttpStatusCode.Unauthorized, "ATT8011" },
            { "GET", "admin/providers", null, HttpStatusCode.Unauthorized, "ATT8011" },
        };

        // JSON depth: at the limit is read (and fails later for another reason), one past it is ATT8003.
        data.Add("POST", Attest, Nest(8), HttpStatusCode.BadRequest, "ATT8005");
        data.Add("POST", Attest, Nest(9), HttpStatusCode.BadRequest, "ATT8003");
        data.Add("POST", Attest, Nest(500), HttpStatusCode.BadRequest, "ATT8003");

        // Evidence size: 16384 decoded bytes are read (and are not a quote), 16385 are refused before decoding.
        data.Add("POST", Attest, QuoteOf(16384), HttpStatusCode.BadRequest, "ATT7001");
        data.Add("POST", Attest, QuoteOf(16385), HttpStatusCode.BadRequest, "ATT8006");

        // Body size: exactly the limit is read; one byte more is 413.
        data.Add("POST", Attest, Padded(65536), HttpStatusCode.BadRequest, "ATT8005");
        data.Add("POST", Attest, Padded(65537), HttpStatusCode.RequestEntityTooLarge, "ATT8001");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_requests_get_their_code(string method, string path, string? body, HttpStatusCode status, string code)
    {
        var (actualStatus, response) = await VouchTestServer.SendAsync(_server.Client, new HttpMethod(method), path, body);
        Assert.Equal(status, actualStatus);
        Assert.Equal(code, VouchTestServer.VouchCode(response));
        Assert.NotNull(response!["error"]!["code"]);
        Assert.NotNull(response["error"]!["message"]);
    }

    [Theory]
    [InlineData("GET", "policies/Sgx?api-version=2020-10-01", "ATT8009")]
    [InlineData("GET", "policies/5?api-version=2020-10-01", "ATT8009")]
    [InlineData("GET", "policies/SgxEnclave,OpenEnclave?api-version=2020-10-01", "ATT8009")]
    [InlineData("GET", "policies/Tpm,SgxEnclave?api-version=2020-10-01", "ATT8009")]
    [InlineData("PUT", "policies/SgxEnclave?api-version=2020-10-01", "ATT8002")]
    [InlineData("PUT", "policies/SgxEnclave?api-version=2020-10-01&body=notajws", "ATT7401")]
    [InlineData("PUT", "policies/SgxEnclave?api-version=2020-10-01&body=quoted", "ATT8002")]
    [InlineData("POST", "certificates:add?api-version=2020-10-01&body=none", "ATT7407")]
    [InlineData("PUT", "admin/providers/Bad_Name", "ATT8015")]
    [InlineData("PUT", "admin/providers/isolated-without-signer&body=isolated", "ATT8016")]
    public async Task Bad_management_requests_get_their_code(string method, string path, string code)
    {
        using var admin = _server.CreateAdminClient();
        var body = path.Contains("body=notajws", StringComparison.Ordinal) ? "this is not a JWS"
            : path.Contains("body=quoted", StringComparison.Ordinal) ? "\"unterminated"
            : path.Contains("body=none", StringComparison.Ordinal) ? "\"eyJhbGciOiJub25lIn0..\""
            : path.Contains("body=isolated", StringComparison.Ordinal) ? "{\"trustMode\":\"Isolated\"}"
            : method == "PUT" && path.StartsWith("admin", StringComparison.Ordinal) ? "{}"
            : method == "PUT" ? string.Empty
            : null;
        path = path.Replace("&body=notajws", string.Empty, StringComparison.Ordinal).Replace("&body=quoted", string.Empty, StringComparison.Ordinal)
            .Replace("&body=none", string.Empty, StringComparison.Ordinal).Replace("&body=isolated", string.Empty, StringComparison.Ordinal);
        var (_, response) = await VouchTestServer.SendAsync(admin, new HttpMethod(method), path, body, "text/plain");
        Assert.Equal(code, VouchTestServer.VouchCode(response));
    }

    [Fact]
    public async Task A_wrong_administrator_token_is_401_and_never_reveals_the_stored_hash()
    {
        using var client = _server.CreateClient("vouch_" + new string('A', 43));
        var (status, response) = await VouchTestServer.SendAsync(client, HttpMethod.Get, "policies/SgxEnclave?api-version=2020-10-01");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Unauthorized", response!["error"]!["code"]!.GetValue<string>());
        Assert.Equal("ATT8011", VouchTestServer.VouchCode(response));
    }

    [Fact]
    public async Task Binary_fields_decode_from_base64url_and_base64_with_or_without_padding()
    {
        // A quote too short to parse still tells which decoder accepted it: ATT7001 means decoded, ATT8004 not.
        foreach (var encoding in new[] { "+/+/", "-_-_", "AA==", "AA", "AAA=" })
        {
            var (_, response) = await VouchTestServer.SendAsync(_server.Client, HttpMethod.Post, Attest, $"{{\"QUOTE\":\"{encoding}\"}}");
            Assert.Equal("ATT7001", VouchTestServer.VouchCode(response));
        }
    }

    private static string Nest(int depth)
    {
        var text = new StringBuilder("{\"a\":");
        for (var i = 1; i < depth; i++)
        {
            text.Append('[');
        }

        text.Append('1');
        text.Append(']', depth - 1);
        return text.Append('}').ToString();
    }

    private static string QuoteOf(int bytes) => $"{{\"quote\":\"{Base64Url.EncodeToString(new byte[bytes])}\"}}";

    private static string Padded(int size)
    {
        var prefix = "{\"pad\":\"";
        return prefix + new string('x', size - prefix.Length - 2) + "\"}";
    }
}
