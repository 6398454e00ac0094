using System.Globalization;
using System.Text.Json;

namespace Vouch.Simulator.Authority;

/// <summary>One level of a TCB Info v3 document.</summary>
/// <param name="SgxComponents">The 16 SGX TCB component SVNs.</param>
/// <param name="PceSvn">PCESVN.</param>
/// <param name="TcbDate">tcbDate.</param>
/// <param name="Status">tcbStatus.</param>
/// <param name="AdvisoryIds">advisoryIDs (written even when empty, as PCS does in v3).</param>
public sealed record TcbInfoLevel(IReadOnlyList<byte> SgxComponents, ushort PceSvn, DateTimeOffset TcbDate, TcbLevelStatus Status, IReadOnlyList<string> AdvisoryIds);

/// <summary>
/// A TCB Info v3 body as PCS serves it (dcap-verification §3.2): members in PCS's order, compact, upper-case
/// hex, RFC 3339 UTC dates without fractions. <see cref="ToCompactJson"/> gives the exact signed bytes.
/// </summary>
public sealed record TcbInfo
{
    /// <summary>"SGX".</summary>
    public string Id { get; init; } = "SGX";
    /// <summary>3.</summary>
    public int Version { get; init; } = 3;
    /// <summary>issueDate.</summary>
    public required DateTimeOffset IssueDate { get; init; }
    /// <summary>nextUpdate.</summary>
    public required DateTimeOffset NextUpdate { get; init; }
    /// <summary>FMSPC (6 bytes).</summary>
    public required byte[] Fmspc { get; init; }
    /// <summary>PCE-ID (2 bytes).</summary>
    public required byte[] PceId { get; init; }
    /// <summary>tcbType (0).</summary>
    public int TcbType { get; init; }
    /// <summary>tcbEvaluationDataNumber.</summary>
    public int TcbEvaluationDataNumber { get; init; } = 21;
    /// <summary>tcbLevels, highest first.</summary>
    public required IReadOnlyList<TcbInfoLevel> Levels { get; init; }

    /// <summary>The compact JSON of the <c>tcbInfo</c> value, byte for byte what is signed.</summary>
    public string ToCompactJson() => CollateralJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", Id);
        w.WriteNumber("version", Version);
        w.WriteString("issueDate", CollateralJson.Date(IssueDate));
        w.WriteString("nextUpdate", CollateralJson.Date(NextUpdate));
        w.WriteString("fmspc", Convert.ToHexString(Fmspc));
        w.WriteString("pceId", Convert.ToHexString(PceId));
        w.WriteNumber("tcbType", TcbType);
        w.WriteNumber("tcbEvaluationDataNumber", TcbEvaluationDataNumber);
        w.WriteStartArray("tcbLevels");
        foreach (var level in Levels)
        {
            w.WriteStartObject();
            w.WriteStartObject("tcb");
            w.WriteStartArray("sgxtcbcomponents");
            foreach (var svn in level.SgxComponents)
            {
                w.WriteStartObject();
                w.WriteNumber("svn", svn);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNumber("pcesvn", level.PceSvn);
            w.WriteEndObject();
            w.WriteString("tcbDate", CollateralJson.Date(level.TcbDate));
            w.WriteString("tcbStatus", level.Status.ToIntelName());
            w.WriteStartArray("advisoryIDs");
            foreach (var id in level.AdvisoryIds)
            {
                w.WriteStringValue(id);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });
}

/// <summary>One level of an Enclave Identity v2 document.</summary>
/// <param name="IsvSvn">tcb.isvsvn.</param>
/// <param name="TcbDate">tcbDate.</param>
/// <param name="Status">tcbStatus (UpToDate, OutOfDate or Revoked).</param>
/// <param name="AdvisoryIds">advisoryIDs; omitted when null (PCS omits it on the current level).</param>
public sealed record QeIdentityLevel(ushort IsvSvn, DateTimeOffset TcbDate, TcbLevelStatus Status, IReadOnlyList<string>? AdvisoryIds);

/// <summary>An Enclave Identity v2 body (<c>id: QE</c>) as PCS serves it (dcap-verification §3.3).</summary>
public sealed record QeIdentity
{
    /// <summary>"QE".</summary>
    public string Id { get; init; } = "QE";
    /// <summary>2.</summary>
    public int Version { get; init; } = 2;
    /// <summary>issueDate.</summary>
    public required DateTimeOffset IssueDate { get; init; }
    /// <summary>nextUpdate.</summary>
    public required DateTimeOffset NextUpdate { get; init; }
    /// <summary>tcbEvaluationDataNumber.</summary>
    public int TcbEvaluationDataNumber { get; init; } = 21;
    /// <summary>miscselect, report byte order (4 bytes).</summary>
    public byte[] MiscSelect { get; init; } = new byte[4];
    /// <summary>miscselectMask (4 bytes).</summary>
    public byte[] MiscSelectMask { get; init; } = [0xFF, 0xFF, 0xFF, 0xFF];
    /// <summary>attributes, report byte order (16 bytes): INIT | PROVISIONKEY.</summary>
    public byte[] Attributes { get; init; } = [0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    /// <summary>attributesMask (16 bytes): every FLAGS bit but MODE64BIT; XFRM ignored.</summary>
    public byte[] AttributesMask { get; init; } = [0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0];
    /// <summary>mrsigner (32 bytes).</summary>
    public byte[] MrSigner { get; init; } = KnownValues.IntelAeMrSigner.ToArray();
    /// <summary>isvprodid.</summary>
    public ushort IsvProdId { get; init; } = 1;
    /// <summary>tcbLevels, highest isvsvn first.</summary>
    public required IReadOnlyList<QeIdentityLevel> Levels { get; init; }

    /// <summary>The compact JSON of the <c>enclaveIdentity</c> value, byte for byte what is signed.</summary>
    public string ToCompactJson() => CollateralJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", Id);
        w.WriteNumber("version", Version);
        w.WriteString("issueDate", CollateralJson.Date(IssueDate));
        w.WriteString("nextUpdate", CollateralJson.Date(NextUpdate));
        w.WriteNumber("tcbEvaluationDataNumber", TcbEvaluationDataNumber);
        w.WriteString("miscselect", Convert.ToHexString(MiscSelect));
        w.WriteString("miscselectMask", Convert.ToHexString(MiscSelectMask));
        w.WriteString("attributes", Convert.ToHexString(Attributes));
        w.WriteString("attributesMask", Convert.ToHexString(AttributesMask));
        w.WriteString("mrsigner", Convert.ToHexString(MrSigner));
        w.WriteNumber("isvprodid", IsvProdId);
        w.WriteStartArray("tcbLevels");
        foreach (var level in Levels)
        {
            w.WriteStartObject();
            w.WriteStartObject("tcb");
            w.WriteNumber("isvsvn", level.IsvSvn);
            w.WriteEndObject();
            w.WriteString("tcbDate", CollateralJson.Date(level.TcbDate));
            w.WriteString("tcbStatus", level.Status.ToIntelName());
            if (level.AdvisoryIds is not null)
            {
                w.WriteStartArray("advisoryIDs");
                foreach (var id in level.AdvisoryIds)
                {
                    w.WriteStringValue(id);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });
}

/// <summary>One entry of a TCB Evaluation Data Numbers document.</summary>
/// <param name="Number">tcbEvaluationDataNumber.</param>
/// <param name="TcbRecoveryEventDate">tcbRecoveryEventDate.</param>
/// <param name="TcbDate">tcbDate.</param>
public sealed record TcbEvaluationDataNumberEntry(int Number, DateTimeOffset TcbRecoveryEventDate, DateTimeOffset TcbDate);

/// <summary>
/// A TCB Evaluation Data Numbers v1 body as PCS serves it at <c>/sgx|tdx/certification/v4/tcbevaluationdatanumbers</c>
/// (dcap-verification §3.1): <c>id, version, issueDate, nextUpdate, tcbEvalNumbers</c>, compact, entries highest number
/// first. <see cref="ToCompactJson"/> gives the exact signed bytes.
/// </summary>
public sealed record TcbEvaluationDataNumbers
{
    /// <summary>"SGX" or "TDX".</summary>
    public string Id { get; init; } = "SGX";
    /// <summary>1.</summary>
    public int Version { get; init; } = 1;
    /// <summary>issueDate.</summary>
    public required DateTimeOffset IssueDate { get; init; }
    /// <summary>nextUpdate.</summary>
    public required DateTimeOffset NextUpdate { get; init; }
    /// <summary>tcbEvalNumbers, written in the order given (PCS: highest first).</summary>
    public required IReadOnlyList<TcbEvaluationDataNumberEntry> Numbers { get; init; }

    /// <summary>
    /// The document of one evaluation: <paramref name="number"/>, whose TCB Recovery event is the day before
    /// <paramref name="tcbDate"/> (Intel's numbers have tcbDate one day after tcbRecoveryEventDate).
    /// </summary>
    public static TcbEvaluationDataNumbers OfOneEvaluation(string id, int number, DateTimeOffset tcbDate, DateTimeOffset issueDate, DateTimeOffset nextUpdate) => new()
    {
        Id = id,
        IssueDate = issueDate,
        NextUpdate = nextUpdate,
        Numbers = [new TcbEvaluationDataNumberEntry(number, tcbDate.AddDays(-1), tcbDate)],
    };

    /// <summary>The compact JSON of the <c>tcbEvaluationDataNumbers</c> value, byte for byte what is signed.</summary>
    public string ToCompactJson() => CollateralJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("id", Id);
        w.WriteNumber("version", Version);
        w.WriteString("issueDate", CollateralJson.Date(IssueDate));
        w.WriteString("nextUpdate", CollateralJson.Date(NextUpdate));
        w.WriteStartArray("tcbEvalNumbers");
        foreach (var entry in Numbers)
        {
            w.WriteStartObject();
            w.WriteNumber("tcbEvaluationDataNumber", entry.Number);
            w.WriteString("tcbRecoveryEventDate", CollateralJson.Date(entry.TcbRecoveryEventDate));
            w.WriteString("tcbDate", CollateralJson.Date(entry.TcbDate));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });
}

internal static class CollateralJson
{
    public static string Date(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The PCS response document: <c>{"&lt;name&gt;":&lt;body&gt;,"signature":"&lt;hex&gt;"}</c>.</summary>
    public static string Envelope(string name, string body, ReadOnlySpan<byte> signature) =>
        "{\"" + name + "\":" + body + ",\"signature\":\"" + Convert.ToHexStringLower(signature) + "\"}";
}
