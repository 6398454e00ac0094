namespace Vouch.Sgx.Collateral;

/// <summary>The Enclave Identity parse behind <see cref="EnclaveIdentity.TryParse"/>; throws <see cref="CollateralFormatException"/>.</summary>
internal static class EnclaveIdentityParser
{
    public const string BodyName = "enclaveIdentity";
    public const int MiscSelectBytes = 4;
    public const int AttributesBytes = 16;
    public const int MrSignerBytes = 32;
    public const int MaxIsvSvn = ushort.MaxValue;
    public const int MaxIsvProdId = ushort.MaxValue;

    private static readonly JsonFields Json = new(ErrorCode.QeIdentityMalformed);

    public static EnclaveIdentity Parse(ReadOnlyMemory<byte> document)
    {
        var parts = SignedEnvelope.Read(document, BodyName, ErrorCode.QeIdentityMalformed);
        using var json = SignedEnvelope.ParseBody(parts, BodyName, ErrorCode.QeIdentityMalformed);
        var body = json.RootElement;
        const string P = BodyName;
        var root = new JsonPath(P);

        var version = Json.UInt(body, P, "version", int.MaxValue);
        if (version is not (2 or 3))
        {
            throw JsonFields.Fail(ErrorCode.QeIdentityUnsupported, root.Member("version"), $"Enclave Identity version {version} is not supported (2 or 3).");
        }

        var id = Json.String(body, P, "id") switch
        {
            "QE" => EnclaveIdentityId.Qe,
            "QVE" => EnclaveIdentityId.Qve,
            "TD_QE" => EnclaveIdentityId.TdQe,
            "QAE" => EnclaveIdentityId.Qae,
            _ => throw JsonFields.Fail(ErrorCode.QeIdentityUnsupported, root.Member("id"), "Enclave Identity id is not QE, QVE, TD_QE or QAE."),
        };

        var issueDate = Json.Date(body, P, "issueDate");
        var nextUpdate = Json.Date(body, P, "nextUpdate");
        var evaluationDataNumber = Json.UInt(body, P, "tcbEvaluationDataNumber", int.MaxValue);
        var miscSelect = Json.Hex(body, P, "miscselect", MiscSelectBytes);
        var miscSelectMask = Json.Hex(body, P, "miscselectMask", MiscSelectBytes);
        var attributes = Json.Hex(body, P, "attributes", AttributesBytes);
        var attributesMask = Json.Hex(body, P, "attributesMask", AttributesBytes);
        var mrSigner = Json.Hex(body, P, "mrsigner", MrSignerBytes, allowEmpty: true);
        var isvProdId = Json.UInt(body, P, "isvprodid", MaxIsvProdId);
        var levels = IdentityLevels.Parse(Json, Json.Array(body, P, "tcbLevels", nonEmpty: true), root.Member("tcbLevels"), MaxIsvSvn);

        return new EnclaveIdentity(
            parts.Document, parts.BodyRaw, parts.Body, parts.Signature,
            id, version, issueDate, nextUpdate, evaluationDataNumber,
            miscSelect, miscSelectMask, attributes, attributesMask, mrSigner, isvProdId, Array.AsReadOnly(levels));
    }
}
