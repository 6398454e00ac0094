using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Vouch.Attestation.Collateral;
using Vouch.Attestation.Errors;
using Vouch.Attestation.Evidence;
using Vouch.Attestation.Keys;
using Vouch.Attestation.Stores;
using Vouch.Policy;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;
using Vouch.Tests.Shared;

namespace Vouch.Attestation.Tests;

/// <summary>
/// The engine end to end with a genuine quote (Signal's CDSI enclave, <c>dcap/signal-cdsi-sgx-v3-2026</c>)
/// verified against its offline collateral at the case's verification time.
/// </summary>
public sealed class EngineEndToEndTests : IDisposable
{
    private const long VerificationTime = 1785432688;
    private const string Issuer = "https://vouch.test:5443";
    private static readonly string Case = TestVectors.Path("dcap", "signal-cdsi-sgx-v3-2026");

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(VerificationTime));
    private readonly InMemoryAttestationStore _store = new();
    private readonly AesGcmKeyProtector _protector = new(AesGcmKeyProtector.GenerateKey());
    private readonly AttestationEngine _engine;
    private readonly byte[] _quote = File.ReadAllBytes(Path.Combine(Case, "quote.bin"));
    private readonly byte[] _preimage = File.ReadAllBytes(Path.Combine(Case, "report_data_preimage.bin"));

    public EngineEndToEndTests()
    {
        _engine = new AttestationEngine(_store, _store, new DirectoryCollateralSource(Case), _protector, _clock);
    }

    private static AttestationProvider Provider(SigningAlgorithm algorithm = SigningAlgorithm.RS256) =>
        new() { Name = "default", Issuer = Issuer, SigningAlgorithm = algorithm };

    public void Dispose()
    {
        _engine.Dispose();
        _protector.Dispose();
    }

    [Fact]
    public async Task EnsureSigningKey_ReplicasRacingOnOneStore_AddOneKey()
    {
        // Two engines on one store stand for two replicas starting at once: the check "no key can sign" and the
        // addition are one atomic step in the store, so only one key is made (issue 11 item 1, key rotation).
        using var replica = new AttestationEngine(_store, _store, new DirectoryCollateralSource(Case), _protector, _clock);
        var provider = Provider();
        var added = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => (i % 2 == 0 ? _engine : replica).EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken))));

        Assert.Single(added, k => k is not null);
        Assert.Single(await _store.GetSigningKeysAsync(provider.Name, TestContext.Current.CancellationToken));

        // Rotations racing each other are each applied, one after the other.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            Task.Run(() => (i % 2 == 0 ? _engine : replica).RotateSigningKeyAsync(provider, TestContext.Current.CancellationToken))));
        var keys = await _store.GetSigningKeysAsync(provider.Name, TestContext.Current.CancellationToken);
        Assert.Equal(5, keys.Length);
        Assert.Equal(5, keys.Select(k => k.KeyId).Distinct().Count());
    }

    [Theory]
    [InlineData(SigningAlgorithm.RS256)]
    [InlineData(SigningAlgorithm.ES256)]
    public async Task AttestSgx_GenuineQuote_TokenValidatesWithTcbClaims(SigningAlgorithm algorithm)
    {
        // Arrange
        var provider = Provider(algorithm);
        var key = await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);
        Assert.NotNull(key);

        // Act
        var result = await _engine.AttestSgxEnclaveAsync(provider, new AttestRequest(_quote) { RuntimeData = new BoundData(_preimage, DataType.Binary) }, TestContext.Current.CancellationToken);

        // Assert: the token validates with IdentityModel against the published JWKS, and with the BCL alone.
        Assert.True(result.IsSuccess, result.Error?.ToString());
        var jwks = new JsonWebKeySet((await _engine.GetSigningCertificatesAsync(provider, TestContext.Current.CancellationToken)).ToJsonString());
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(result.Token, new TokenValidationParameters
        {
            ValidIssuer = AttestationEngine.GetOpenIdMetadata(provider).Issuer,
            ValidateAudience = false,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            LifetimeValidator = (nbf, exp, _, _) => nbf <= _clock.GetUtcNow().UtcDateTime && _clock.GetUtcNow().UtcDateTime < exp,
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.True(TokenTests.VerifyIndependently(result.Token!, key));

        var header = TokenTests.Decode(result.Token!.Split('.')[0]);
        Assert.Equal(algorithm.ToString(), header["alg"]!.GetValue<string>());
        Assert.Equal(key.KeyId, header["kid"]!.GetValue<string>());
        Assert.Equal(Issuer + "/certs", header["jku"]!.GetValue<string>());

        var claims = TokenTests.Decode(result.Token.Split('.')[1]);
        Assert.Equal(Issuer, claims["iss"]!.GetValue<string>());
        Assert.Equal(VerificationTime, claims["iat"]!.GetValue<long>());
        Assert.Equal(VerificationTime, claims["nbf"]!.GetValue<long>());
        Assert.Equal(VerificationTime + 28800, claims["exp"]!.GetValue<long>());
        Assert.Matches("^[0-9a-f]{64}$", claims["jti"]!.GetValue<string>());
        Assert.Equal("6d9b9649fa3a337754a98059c66d48ac77aaca5299d3b27d6ed1e646c7c81c0a", claims["x-ms-sgx-mrenclave"]!.GetValue<string>());
        Assert.False(claims["x-ms-sgx-is-debuggable"]!.GetValue<bool>());
        Assert.Equal(Base64Url.EncodeToString(_preimage), claims["x-ms-sgx-ehd"]!.GetValue<string>());
        Assert.Equal(DefaultPolicies.SgxHash, claims["x-ms-policy-hash"]!.GetValue<string>());
        Assert.Equal("sgx", claims["tee"]!.GetValue<string>());

        Assert.Equal("SWHardeningNeeded", claims["x-vouch-tcb-status"]!.GetValue<string>());
        Assert.Equal(["INTEL-SA-00615"], claims["x-vouch-advisory-ids"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("2026-02-11T00:00:00Z", claims["x-vouch-tcb-date"]!.GetValue<string>());
        // Both levels of this genuine case are dated 2026-02-11; only the platform's lists an advisory (expected.json).
        Assert.Equal("2026-02-11T00:00:00Z", claims["x-vouch-platform-tcb-date"]!.GetValue<string>());
        Assert.Equal("2026-02-11T00:00:00Z", claims["x-vouch-qe-tcb-date"]!.GetValue<string>());
        Assert.Equal(["INTEL-SA-00615"], claims["x-vouch-platform-advisory-ids"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Empty(claims["x-vouch-qe-advisory-ids"]!.AsArray());
        Assert.Equal(21, claims["x-vouch-tcb-evaluation-data-number"]!.GetValue<long>());
        Assert.Equal("00606a000000", claims["x-vouch-fmspc"]!.GetValue<string>());
        Assert.False(claims["x-vouch-collateral-expired"]!.GetValue<bool>());
        Assert.Equal(TrustAnchor.IntelSgxRootCa.KeyId, claims["x-vouch-trust-anchor-key-id"]!.GetValue<string>());
        Assert.Equal(TrustAnchor.IntelSgxRootCa.Name, claims["x-vouch-trust-anchor"]!.GetValue<string>());

        var collateral = (JsonObject)claims["x-ms-sgx-collateral"]!;
        Assert.Equal(Sha256Hex(_quote), collateral["quotehash"]!.GetValue<string>());
        Assert.Equal(Sha256Hex(File.ReadAllBytes(Path.Combine(Case, "tcb_info.json"))), collateral["tcbinfohash"]!.GetValue<string>());
        Assert.Equal(Sha256Hex(File.ReadAllBytes(Path.Combine(Case, "qe_identity.json"))), collateral["qeidhash"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(collateral, claims["maa-attestationcollateral"]));
    }

    [Fact]
    public async Task AttestOpenEnclave_EvidenceWithCustomClaims_BindsThemAsRuntimeData()
    {
        var provider = Provider();
        await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);
        // oe_attestation_header_t { version 3, SGX ECDSA format id, padding, data_size } ‖ quote ‖ custom claims.
        var evidence = new byte[EvidenceReader.OeAttestationHeaderSize + _quote.Length + _preimage.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(evidence, EvidenceReader.OeAttestationHeaderVersion);
        // The format id is written from OE's UUID text here, independently of the reader's constant.
        Guid.Parse("a3a21e87-1b4d-4014-b70a-a125d2fbcd8c").TryWriteBytes(evidence.AsSpan(4, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteUInt64LittleEndian(evidence.AsSpan(24), (ulong)(_quote.Length + _preimage.Length));
        _quote.CopyTo(evidence, EvidenceReader.OeAttestationHeaderSize);
        _preimage.CopyTo(evidence, EvidenceReader.OeAttestationHeaderSize + _quote.Length);

        var result = await _engine.AttestOpenEnclaveAsync(provider, new AttestRequest(evidence), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        var claims = TokenTests.Decode(result.Token!.Split('.')[1]);
        Assert.Equal(Base64Url.EncodeToString(_preimage), claims["x-ms-sgx-ehd"]!.GetValue<string>());
        Assert.Equal("sgx", claims["x-ms-attestation-type"]!.GetValue<string>());
        Assert.Equal(Sha256Hex(evidence), claims["x-ms-sgx-collateral"]!["quotehash"]!.GetValue<string>());

        // The same evidence with altered custom claims no longer matches the report data.
        evidence[^1] ^= 1;
        var tampered = await _engine.AttestOpenEnclaveAsync(provider, new AttestRequest(evidence), TestContext.Current.CancellationToken);
        Assert.Equal(AttestationErrorCode.RuntimeDataMismatch, tampered.Error?.Code);
    }

    [Fact]
    public async Task AttestOpenEnclave_LegacyReport_QuoteHashCoversTheHeader()
    {
        var provider = Provider();
        await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);
        var report = new byte[EvidenceReader.OeReportHeaderSize + _quote.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(report, EvidenceReader.OeReportHeaderVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(report.AsSpan(4), EvidenceReader.OeReportTypeSgxRemote);
        BinaryPrimitives.WriteUInt64LittleEndian(report.AsSpan(8), (ulong)_quote.Length);
        _quote.CopyTo(report, EvidenceReader.OeReportHeaderSize);

        var result = await _engine.AttestOpenEnclaveAsync(provider, new AttestRequest(report) { RuntimeData = new BoundData(_preimage, DataType.Binary) }, TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal(Sha256Hex(report), TokenTests.Decode(result.Token!.Split('.')[1])["x-ms-sgx-collateral"]!["quotehash"]!.GetValue<string>());
    }

    [Fact]
    public async Task AttestSgx_RuntimeDataMismatch_IsInvalidParameter()
    {
        var provider = Provider();
        await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);
        var wrong = (byte[])_preimage.Clone();
        wrong[0] ^= 1;

        var result = await _engine.AttestSgxEnclaveAsync(provider, new AttestRequest(_quote) { RuntimeData = new BoundData(wrong, DataType.Binary) }, TestContext.Current.CancellationToken);

        Assert.Equal(AttestationErrorCode.RuntimeDataMismatch, result.Error?.Code);
        Assert.Equal(MaaErrorCodes.InvalidParameter, result.Error!.MaaCode);
        Assert.Equal(400, result.Error.HttpStatus);
        Assert.Null(result.Token);
    }

    [Fact]
    public async Task AttestSgx_DraftPolicyPermit_UnsignedTokenWithDraftHash()
    {
        var provider = Provider();
        var key = await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);
        const string draft = "version=1.0;authorizationrules{[type==\"x-vouch-tcb-status\", value==\"SWHardeningNeeded\"] && [type==\"x-vouch-advisory-ids\", value==\"INTEL-SA-00615\"] => permit();};issuancerules{c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"custom-name\", value=c.value);};";

        var result = await _engine.AttestSgxEnclaveAsync(provider, new AttestRequest(_quote) { DraftPolicyForAttestation = draft, Nonce = "n-1" }, TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        var parts = result.Token!.Split('.');
        Assert.Empty(parts[2]);
        var header = TokenTests.Decode(parts[0]);
        Assert.Equal("none", header["alg"]!.GetValue<string>());
        Assert.Equal(key!.KeyId, header["kid"]!.GetValue<string>());
        var claims = TokenTests.Decode(parts[1]);
        Assert.Equal(PolicyHash.Compute(draft), claims["x-ms-policy-hash"]!.GetValue<string>());
        Assert.Equal("ca63ab8170cc6bbdd84a335322093dea428c0c65de9923b8deda7396d0c2d7a5", claims["custom-name"]!.GetValue<string>());
        Assert.Equal("n-1", claims["nonce"]!.GetValue<string>());
        Assert.Null(claims["tee"]);
    }

    [Theory]
    [InlineData("version=1.0;authorizationrules{[type==\"x-vouch-tcb-status\", value==\"UpToDate\"] => permit();};issuancerules{};", PolicyErrorCode.NoPermit)]
    [InlineData("version=1.0;authorizationrules{=> permit(); => deny();};issuancerules{};", PolicyErrorCode.Denied)]
    [InlineData("version=1.0;authorizationrules{=> deny(); => permit();};issuancerules{};", PolicyErrorCode.Denied)]
    public async Task AttestSgx_DraftPolicyDeny_IsPolicyEvaluationError(string draft, PolicyErrorCode expected)
    {
        var provider = Provider();
        await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);

        var result = await _engine.AttestSgxEnclaveAsync(provider, new AttestRequest(_quote) { DraftPolicyForAttestation = draft }, TestContext.Current.CancellationToken);

        Assert.Equal(AttestationErrorCode.PolicyDenied, result.Error?.Code);
        Assert.Equal(expected, result.Error!.PolicyError);
        Assert.Equal(MaaErrorCodes.PolicyEvaluationError, result.Error.MaaCode);
        Assert.NotNull(result.Report);
    }

    [Fact]
    public async Task AttestSgx_DraftPolicyDoesNotCompile_IsPolicyParsingError()
    {
        var provider = Provider();
        await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);

        var result = await _engine.AttestSgxEnclaveAsync(provider, new AttestRequest(_quote) { DraftPolicyForAttestation = "version=1.0; authorizationrules{" }, TestContext.Current.CancellationToken);

        Assert.Equal(AttestationErrorCode.PolicyInvalid, result.Error?.Code);
        Assert.Equal(MaaErrorCodes.PolicyParsingError, result.Error!.MaaCode);
        Assert.NotEmpty(result.Error.PolicyDiagnostics);
    }

    [Fact]
    public async Task AttestSgx_StoredSignedPolicy_IsUsedAndSignerReported()
    {
        var provider = Provider();
        await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);
        const string text = "version=1.0;authorizationrules{=> permit();};issuancerules{=> issue(type=\"stored\", value=true);};";
        using var rsa = RSA.Create(2048);
        using var signer = new CertificateRequest("CN=policy signer", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(_clock.GetUtcNow().AddDays(-1), _clock.GetUtcNow().AddDays(1));
        await _store.ReplacePolicyAsync("default", AttestationType.SgxEnclave, new StoredPolicy(PolicyJws.CreateUnsigned(text), text, [.. signer.RawData], _clock.GetUtcNow()), TestContext.Current.CancellationToken);

        var result = await _engine.AttestSgxEnclaveAsync(provider, new AttestRequest(_quote), TestContext.Current.CancellationToken);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        var claims = TokenTests.Decode(result.Token!.Split('.')[1]);
        Assert.Equal(PolicyHash.Compute(text), claims["x-ms-policy-hash"]!.GetValue<string>());
        Assert.True(claims["stored"]!.GetValue<bool>());
        Assert.Equal(Convert.ToBase64String(signer.RawData), claims["x-ms-policy-signer"]!["x5c"]![0]!.GetValue<string>());
        Assert.Equal("RSA", claims["x-ms-policy-signer"]!["kty"]!.GetValue<string>());
    }

    [Fact]
    public async Task AttestSgx_UntrustedRoot_IsNotVerified()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var point = other.ExportParameters(false).Q;
        var provider = Provider() with { TrustAnchors = [new TrustAnchor([0x04, .. point.X!, .. point.Y!], "simulated")] };
        await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);

        var result = await _engine.AttestSgxEnclaveAsync(provider, new AttestRequest(_quote), TestContext.Current.CancellationToken);

        Assert.Equal(AttestationErrorCode.EvidenceNotVerified, result.Error?.Code);
        Assert.Contains(result.Error!.FailedChecks, c => c.Code == Vouch.Sgx.ErrorCode.ChainUntrustedRoot);
        Assert.Equal(MaaErrorCodes.InvalidParameter, result.Error.MaaCode);
    }

    [Fact]
    public async Task AttestSgx_CollateralExpired_IsNotVerifiedUnlessAllowed()
    {
        var provider = Provider();
        await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);
        _clock.Advance(TimeSpan.FromDays(60));
        await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);

        var refused = await _engine.AttestSgxEnclaveAsync(provider, new AttestRequest(_quote), TestContext.Current.CancellationToken);
        var allowed = await _engine.AttestSgxEnclaveAsync(provider with { AllowExpiredCollateral = true }, new AttestRequest(_quote), TestContext.Current.CancellationToken);

        Assert.Equal(AttestationErrorCode.EvidenceNotVerified, refused.Error?.Code);
        Assert.True(allowed.IsSuccess, allowed.Error?.ToString());
        Assert.True(TokenTests.Decode(allowed.Token!.Split('.')[1])["x-vouch-collateral-expired"]!.GetValue<bool>());
    }

    [Fact]
    public async Task AttestSgx_NoSigningKey_IsServerError()
    {
        var result = await _engine.AttestSgxEnclaveAsync(Provider(), new AttestRequest(_quote), TestContext.Current.CancellationToken);
        Assert.Equal(AttestationErrorCode.NoSigningKey, result.Error?.Code);
        Assert.Equal(500, result.Error!.HttpStatus);
    }

    [Fact]
    public async Task AttestSgx_StoredKeyTampered_IsSigningKeyUnreadable()
    {
        var provider = Provider();
        var key = await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);
        var blob = key!.ProtectedPrivateKey.ToArray();
        blob[20] ^= 1;
        _store.ReplaceSigningKey("default", key with { ProtectedPrivateKey = [.. blob] });

        var result = await _engine.AttestSgxEnclaveAsync(provider, new AttestRequest(_quote), TestContext.Current.CancellationToken);

        Assert.Equal(AttestationErrorCode.SigningKeyUnreadable, result.Error?.Code);
    }

    [Fact]
    public async Task AttestSgx_NoCollateral_IsCollateralUnavailable()
    {
        using var engine = new AttestationEngine(_store, _store, new NoCollateralSource(), _protector, _clock);
        var provider = Provider();
        await engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken);

        var result = await engine.AttestSgxEnclaveAsync(provider, new AttestRequest(_quote), TestContext.Current.CancellationToken);

        Assert.Equal(AttestationErrorCode.CollateralUnavailable, result.Error?.Code);
    }

    [Fact]
    public async Task AttestSgx_TruncatedQuote_IsEvidenceMalformed()
    {
        var result = await _engine.AttestSgxEnclaveAsync(Provider(), new AttestRequest(_quote.AsMemory(0, 100)), TestContext.Current.CancellationToken);
        Assert.Equal(AttestationErrorCode.EvidenceMalformed, result.Error?.Code);
        Assert.Equal(Vouch.Sgx.ErrorCode.QuoteTruncated, result.Error!.QuoteError);
    }

    [Fact]
    public async Task AttestOpenEnclave_BareQuote_IsEnvelopeInvalid()
    {
        var result = await _engine.AttestOpenEnclaveAsync(Provider(), new AttestRequest(_quote), TestContext.Current.CancellationToken);
        Assert.Equal(AttestationErrorCode.OpenEnclaveEnvelopeInvalid, result.Error?.Code);
    }

    [Fact]
    public async Task EnsureSigningKey_OnlyWhenTheRingAsks()
    {
        var provider = Provider();
        Assert.NotNull(await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken));
        Assert.Null(await _engine.EnsureSigningKeyAsync(provider, TestContext.Current.CancellationToken));
        var certs = await _engine.GetSigningCertificatesAsync(provider, TestContext.Current.CancellationToken);
        Assert.Single(certs["keys"]!.AsArray());
    }

    private static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private sealed class NoCollateralSource : ICollateralSource
    {
        public ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CancellationToken cancellationToken) => ValueTask.FromResult<QuoteCollateral?>(null);
    }
}
