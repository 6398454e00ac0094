using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Vouch.Simulator.Platform;

namespace Vouch.Simulator.Dcap;

/// <summary>An HTTP response of the simulated PCS, independent of any web stack.</summary>
/// <param name="StatusCode">HTTP status.</param>
/// <param name="ContentType">Content-Type of the body (empty for errors without a body).</param>
/// <param name="Headers">Further response headers, in order.</param>
/// <param name="Body">Response body.</param>
public sealed record PcsResponse(int StatusCode, string ContentType, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body);

/// <summary>
/// The Intel PCS v4 API (dcap-verification §3.1) answered from a <see cref="DcapCase"/>'s collateral, so a
/// collateral client fetches from it exactly as from Intel. Pure request → response: any host (an HTTP
/// listener, a test handler) can serve it. Routes, all GET:
/// <c>/sgx/certification/v4/pckcrl?ca=platform|processor[&amp;encoding=pem|der]</c>,
/// <c>/sgx/certification/v4/tcb?fmspc=…</c>, <c>/sgx/certification/v4/qe/identity</c>,
/// <c>/sgx/certification/v4/pckcert?cpusvn=…&amp;pcesvn=…&amp;pceid=…</c>, <c>/sgx/certification/v4/rootcacrl</c>
/// (hex-encoded DER, as PCCS serves it), <c>/IntelSGXRootCA.der</c> (DER, the certificates' CRL distribution point) and
/// <c>/sgx|tdx/certification/v4/tcbevaluationdatanumbers</c> (no query).
/// </summary>
/// <remarks>
/// A case holds one evaluation: its TCB Info and QE Identity carry one <c>tcbEvaluationDataNumber</c>, the only number
/// its TCB Evaluation Data Numbers documents list. <c>/tcb</c> and <c>/qe/identity</c> take
/// <c>tcbEvaluationDataNumber=&lt;n&gt;</c> as PCS does: the held documents when n is listed, 410 Gone when n is lower
/// than every listed number (no longer served), 404 for any other n, 400 when n is not a decimal number or comes with
/// <c>update</c>.
/// </remarks>
public sealed class SimulatedPcs
{
    /// <summary>Path of the PCK CRL.</summary>
    public const string PckCrlPath = "/sgx/certification/v4/pckcrl";
    /// <summary>Path of TCB Info.</summary>
    public const string TcbPath = "/sgx/certification/v4/tcb";
    /// <summary>Path of the QE Identity.</summary>
    public const string QeIdentityPath = "/sgx/certification/v4/qe/identity";
    /// <summary>Path of PCK certificate retrieval.</summary>
    public const string PckCertPath = "/sgx/certification/v4/pckcert";
    /// <summary>PCCS's root CA CRL path (hex-encoded DER).</summary>
    public const string PccsRootCaCrlPath = "/sgx/certification/v4/rootcacrl";
    /// <summary>Path of the root CA CRL as DER, as named in the simulated certificates' CRL distribution points.</summary>
    public const string RootCaCrlPath = "/IntelSGXRootCA.der";
    /// <summary>Path of the SGX TCB Evaluation Data Numbers.</summary>
    public const string SgxTcbEvaluationDataNumbersPath = "/sgx/certification/v4/tcbevaluationdatanumbers";
    /// <summary>Path of the TDX TCB Evaluation Data Numbers.</summary>
    public const string TdxTcbEvaluationDataNumbersPath = "/tdx/certification/v4/tcbevaluationdatanumbers";
    /// <summary>The response header carrying the TCB Evaluation Data Numbers issuer chain.</summary>
    public const string TcbEvaluationDataNumbersIssuerChainHeader = "TCB-Evaluation-Data-Numbers-Issuer-Chain";

    private readonly DcapCase _case;
    private readonly int[] _listedNumbers;

    /// <summary>A PCS that serves the collateral of <paramref name="dcapCase"/>.</summary>
    public SimulatedPcs(DcapCase dcapCase)
    {
        ArgumentNullException.ThrowIfNull(dcapCase);
        _case = dcapCase;
        using var numbers = System.Text.Json.JsonDocument.Parse(dcapCase.TcbEvaluationDataNumbersJson);
        _listedNumbers = numbers.RootElement.GetProperty("tcbEvaluationDataNumbers").GetProperty("tcbEvalNumbers").EnumerateArray()
            .Select(e => e.GetProperty("tcbEvaluationDataNumber").GetInt32()).ToArray();
    }

    /// <summary>Answers one request; <paramref name="pathAndQuery"/> is the request target, e.g. <c>/sgx/certification/v4/tcb?fmspc=00606A000000</c>.</summary>
    public PcsResponse Handle(string method, string pathAndQuery)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        if (method != "GET")
        {
            return Error(405);
        }

        var question = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? pathAndQuery : pathAndQuery[..question];
        var query = ParseQuery(question < 0 ? "" : pathAndQuery[(question + 1)..]);
        if (query is null)
        {
            return Error(400);
        }

        return path switch
        {
            PckCrlPath => PckCrl(query),
            TcbPath => Tcb(query),
            QeIdentityPath => QeIdentity(query),
            PckCertPath => PckCert(query),
            PccsRootCaCrlPath => Ok("application/x-pem-file", [], Encoding.ASCII.GetBytes(Convert.ToHexStringLower(_case.RootCaCrl))),
            RootCaCrlPath => Ok("application/pkix-crl", [], _case.RootCaCrl),
            SgxTcbEvaluationDataNumbersPath => EvaluationDataNumbers(query, _case.TcbEvaluationDataNumbersJson),
            TdxTcbEvaluationDataNumbersPath => EvaluationDataNumbers(query, _case.TdxTcbEvaluationDataNumbersJson),
            _ => Error(404),
        };
    }

    private PcsResponse PckCrl(Dictionary<string, string> query)
    {
        if (!Allowed(query, "ca", "encoding") || !query.TryGetValue("ca", out var ca) || ca is not ("platform" or "processor"))
        {
            return Error(400);
        }

        var encoding = query.GetValueOrDefault("encoding", "pem");
        if (encoding is not ("pem" or "der"))
        {
            return Error(400);
        }

        if ((ca == "platform") != (_case.PckCa == PckCaType.Platform))
        {
            return Error(404);
        }

        var header = Header("SGX-PCK-CRL-Issuer-Chain", _case.PckCrlIssuerChainPem);
        return encoding == "der"
            ? Ok("application/pkix-crl", [header], _case.PckCrl)
            : Ok("application/x-pem-file", [header], Encoding.ASCII.GetBytes(PemEncoding.WriteString("X509 CRL", _case.PckCrl) + "\n"));
    }

    private PcsResponse Tcb(Dictionary<string, string> query)
    {
        if (!Allowed(query, "fmspc", "update", "tcbEvaluationDataNumber")
            || !query.TryGetValue("fmspc", out var fmspc) || fmspc.Length != 12 || !IsHex(fmspc)
            || (query.ContainsKey("update") && query.ContainsKey("tcbEvaluationDataNumber"))
            || (query.TryGetValue("update", out var update) && update is not ("early" or "standard")))
        {
            return Error(400);
        }

        if (!Convert.FromHexString(fmspc).AsSpan().SequenceEqual(_case.Facts.Fmspc))
        {
            return Error(404);
        }

        if (EvaluationNumberRefusal(query) is { } refusal)
        {
            return Error(refusal);
        }

        return Ok("application/json", [Header("TCB-Info-Issuer-Chain", _case.TcbInfoIssuerChainPem)], Encoding.UTF8.GetBytes(_case.TcbInfoJson));
    }

    private PcsResponse QeIdentity(Dictionary<string, string> query)
    {
        if (!Allowed(query, "update", "tcbEvaluationDataNumber")
            || (query.ContainsKey("update") && query.ContainsKey("tcbEvaluationDataNumber"))
            || (query.TryGetValue("update", out var update) && update is not ("early" or "standard")))
        {
            return Error(400);
        }

        if (EvaluationNumberRefusal(query) is { } refusal)
        {
            return Error(refusal);
        }

        return Ok("application/json", [Header("SGX-Enclave-Identity-Issuer-Chain", _case.QeIdentityIssuerChainPem)], Encoding.UTF8.GetBytes(_case.QeIdentityJson));
    }

    // Simulated platforms have no PPID encryption key, so encrypted_ppid is accepted but not used; the
    // certificate is found by its certified TCB and PCE-ID (all little-endian hex, as PCS takes them).
    private PcsResponse PckCert(Dictionary<string, string> query)
    {
        if (!Allowed(query, "encrypted_ppid", "cpusvn", "pcesvn", "pceid")
            || !query.TryGetValue("cpusvn", out var cpuSvn) || cpuSvn.Length != 32 || !IsHex(cpuSvn)
            || !query.TryGetValue("pcesvn", out var pceSvn) || pceSvn.Length != 4 || !IsHex(pceSvn)
            || !query.TryGetValue("pceid", out var pceId) || pceId.Length != 4 || !IsHex(pceId))
        {
            return Error(400);
        }

        var requestedPceSvn = Convert.FromHexString(pceSvn);
        var certifiedPceSvn = new[] { (byte)(_case.CertifiedPceSvn & 0xFF), (byte)(_case.CertifiedPceSvn >> 8) };
        if (!Convert.FromHexString(cpuSvn).AsSpan().SequenceEqual(_case.CertifiedCpuSvn)
            || !requestedPceSvn.AsSpan().SequenceEqual(certifiedPceSvn)
            || !Convert.FromHexString(pceId).AsSpan().SequenceEqual(_case.Facts.PceId))
        {
            return Error(404);
        }

        var chainStart = _case.PckCertificateChainPem.IndexOf("-----BEGIN CERTIFICATE-----", 1, StringComparison.Ordinal);
        var leaf = _case.PckCertificateChainPem[..chainStart];
        var issuers = _case.PckCertificateChainPem[chainStart..];
        var tcbm = Convert.ToHexString(_case.CertifiedCpuSvn) + Convert.ToHexString(certifiedPceSvn);
        return Ok(
            "application/x-pem-file",
            [
                Header("SGX-PCK-Certificate-Issuer-Chain", issuers),
                new("SGX-TCBm", tcbm),
                new("SGX-FMSPC", Convert.ToHexString(_case.Facts.Fmspc)),
                new("SGX-PCK-Certificate-CA-Type", _case.PckCa == PckCaType.Platform ? "platform" : "processor"),
            ],
            Encoding.ASCII.GetBytes(leaf));
    }

    private PcsResponse EvaluationDataNumbers(Dictionary<string, string> query, string body) =>
        query.Count != 0
            ? Error(400)
            : Ok("application/json", [Header(TcbEvaluationDataNumbersIssuerChainHeader, _case.TcbEvaluationDataNumbersIssuerChainPem)], Encoding.UTF8.GetBytes(body));

    // Null when the request may be served: no tcbEvaluationDataNumber, or one that is listed (and so held).
    private int? EvaluationNumberRefusal(Dictionary<string, string> query)
    {
        if (!query.TryGetValue("tcbEvaluationDataNumber", out var number))
        {
            return null;
        }

        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var requested))
        {
            return 400;
        }

        return _listedNumbers.Contains(requested) ? null
            : requested < _listedNumbers.Min() ? 410
            : 404;
    }

    private static PcsResponse Ok(string contentType, KeyValuePair<string, string>[] headers, byte[] body) =>
        new(200, contentType, [.. headers, RequestId()], body);

    private static PcsResponse Error(int status) => new(status, "", [RequestId()], []);

    private static KeyValuePair<string, string> RequestId() => new("Request-ID", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));

    // PCS sends issuer chains URL-encoded (percent-encoding of the PEM text).
    private static KeyValuePair<string, string> Header(string name, string pem) => new(name, Uri.EscapeDataString(pem));

    private static bool Allowed(Dictionary<string, string> query, params string[] names) => query.Keys.All(k => Array.IndexOf(names, k) >= 0);

    private static bool IsHex(string text) => text.All(char.IsAsciiHexDigit);

    private static Dictionary<string, string>? ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? part : part[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(part[(equals + 1)..]);
            if (!result.TryAdd(name, value))
            {
                return null;
            }
        }

        return result;
    }
}
