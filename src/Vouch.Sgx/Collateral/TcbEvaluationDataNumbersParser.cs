namespace Vouch.Sgx.Collateral;

/// <summary>
/// The TCB Evaluation Data Numbers parse behind <see cref="TcbEvaluationDataNumbers.TryParse"/>; throws
/// <see cref="CollateralFormatException"/>.
/// </summary>
internal static class TcbEvaluationDataNumbersParser
{
    public const string BodyName = "tcbEvaluationDataNumbers";

    private static readonly JsonFields Json = new(ErrorCode.TcbEvaluationDataNumbersMalformed);

    public static TcbEvaluationDataNumbers Parse(ReadOnlyMemory<byte> document)
    {
        var parts = SignedEnvelope.Read(document, BodyName, ErrorCode.TcbEvaluationDataNumbersMalformed);
        using var json = SignedEnvelope.ParseBody(parts, BodyName, ErrorCode.TcbEvaluationDataNumbersMalformed);
        var body = json.RootElement;
        const string P = BodyName;
        var root = new JsonPath(P);

        var id = Json.String(body, P, "id") switch
        {
            "SGX" => TcbInfoId.Sgx,
            "TDX" => TcbInfoId.Tdx,
            _ => throw Json.Fail(root.Member("id"), "id is not SGX or TDX."),
        };

        var version = Json.UInt(body, P, "version", int.MaxValue);
        if (version != 1)
        {
            throw Json.Fail(root.Member("version"), $"TCB Evaluation Data Numbers version {version} is not supported (1).");
        }

        var issueDate = Json.Date(body, P, "issueDate");
        var nextUpdate = Json.Date(body, P, "nextUpdate");

        var listPath = root.Member("tcbEvalNumbers").ToString();
        var list = Json.Array(body, P, "tcbEvalNumbers", nonEmpty: true);
        var entries = new TcbEvaluationDataNumberEntry[list.GetArrayLength()];
        var seen = new HashSet<int>();
        int i = 0;
        foreach (var item in list.EnumerateArray())
        {
            var at = new JsonPath(listPath, i);
            Json.ExpectObject(item, at);
            var number = Json.UInt(item, at, "tcbEvaluationDataNumber", int.MaxValue);
            if (!seen.Add(number))
            {
                throw Json.Fail(at.Member("tcbEvaluationDataNumber"), $"The evaluation data number {number} is listed twice.");
            }

            entries[i] = new TcbEvaluationDataNumberEntry(number, Json.Date(item, at, "tcbRecoveryEventDate"), Json.Date(item, at, "tcbDate"));
            i++;
        }

        Array.Sort(entries, static (a, b) => b.Number.CompareTo(a.Number));
        return new TcbEvaluationDataNumbers(
            parts.Document, parts.BodyRaw, parts.Body, parts.Signature,
            id, version, issueDate, nextUpdate, Array.AsReadOnly(entries));
    }
}
