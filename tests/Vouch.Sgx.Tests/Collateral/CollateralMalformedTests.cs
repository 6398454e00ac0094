using System.Text;
using Vouch.Sgx.Collateral;

namespace Vouch.Sgx.Tests.Collateral;

/// <summary>
/// Malformed and unsupported documents, one mutation of a real document (or one small synthetic
/// document) per row: each must give the expected code and path, and never throw.
/// </summary>
public sealed class CollateralMalformedTests
{
    private const ErrorCode TM = ErrorCode.TcbInfoMalformed;
    private const ErrorCode TU = ErrorCode.TcbInfoUnsupported;
    private const ErrorCode QM = ErrorCode.QeIdentityMalformed;
    private const ErrorCode QU = ErrorCode.QeIdentityUnsupported;

    internal static readonly string SgxDoc = Text(DcapCases.Genuine, "tcb_info.json");
    private static readonly string TdxDoc = Text("phala-tdx-v4-uptodate", "tcb_info.json");
    internal static readonly string V2Doc = Text("signal-cds2-sgx-v3-tcbinfo-v2-2022", "tcb_info.json");
    internal static readonly string QeDoc = Text(DcapCases.Genuine, "qe_identity.json");
    internal static readonly string SgxSignature = SgxDoc[(SgxDoc.LastIndexOf("\"signature\":\"", StringComparison.Ordinal) + 13)..^2];
    internal static readonly string SgxBody = SgxDoc[11..SgxDoc.LastIndexOf(",\"signature\"", StringComparison.Ordinal)];

    private sealed record Row(Func<byte[]> Document, ErrorCode Code, string Path);

    private static string Text(string caseName, string file) => Encoding.UTF8.GetString(DcapCases.Bytes(caseName, file));

    internal static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    // Replaces the first occurrence, and insists there is one, so a row cannot silently test nothing.
    internal static byte[] Edit(string document, string from, string to)
    {
        var at = document.IndexOf(from, StringComparison.Ordinal);
        Assert.True(at >= 0, "fixture text not found: " + from);
        return Utf8(document[..at] + to + document[(at + from.Length)..]);
    }

    // Replaces the JSON value that follows the first occurrence of memberPrefix (for example "\"tcbLevels\":").
    internal static byte[] ReplaceValue(string document, string memberPrefix, string value)
    {
        var start = document.IndexOf(memberPrefix, StringComparison.Ordinal);
        Assert.True(start >= 0, "fixture text not found: " + memberPrefix);
        start += memberPrefix.Length;
        int end = start, depth = 0;
        bool inString = false, escaped = false;
        for (; end < document.Length; end++)
        {
            var c = document[end];
            if (inString)
            {
                (inString, escaped) = escaped ? (true, false) : c == '\\' ? (true, true) : (c != '"', false);
                if (!inString && depth == 0)
                {
                    end++;
                    break;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
            }
            else if (c is '{' or '[')
            {
                depth++;
            }
            else if (c is '}' or ']' && depth > 0)
            {
                if (--depth == 0)
                {
                    end++;
                    break;
                }
            }
            else if (depth == 0 && c is ',' or '}' or ']')
            {
                break;
            }
        }

        return Utf8(document[..start] + value + document[end..]);
    }

    private static string Level(string svns, int pcesvn, string status) =>
        $"{{\"tcb\":{{\"sgxtcbcomponents\":[{string.Join(",", svns.Split(',').Select(s => $"{{\"svn\":{s}}}"))}],\"pcesvn\":{pcesvn}}},\"tcbDate\":\"2026-02-11T00:00:00Z\",\"tcbStatus\":\"{status}\"}}";

    private static byte[] SgxWithLevels(params string[] levels) => ReplaceValue(SgxDoc, "\"tcbLevels\":", "[" + string.Join(",", levels) + "]");

    internal static byte[] Nested(int arrays) => Edit(SgxDoc, "{\"tcbInfo\":{", "{\"tcbInfo\":{\"x\":" + new string('[', arrays) + new string(']', arrays) + ",");

    private const string Svns16 = "16,16,3,3,255,255,1,0,0,0,0,0,0,0,0,0";

    private static readonly Dictionary<string, Row> TcbRows = new()
    {
        // Whole-document problems
        ["empty"] = new(() => [], TM, ""),
        ["whitespace only"] = new(() => Utf8("  \n"), TM, ""),
        ["not JSON"] = new(() => Utf8("tcbInfo"), TM, ""),
        ["JSON array"] = new(() => Utf8("[]"), TM, ""),
        ["JSON null"] = new(() => Utf8("null"), TM, ""),
        ["truncated"] = new(() => Utf8(SgxDoc[..^1]), TM, ""),
        ["trailing garbage"] = new(() => Utf8(SgxDoc + "x"), TM, ""),
        ["second document"] = new(() => Utf8(SgxDoc + "{}"), TM, ""),
        ["non-UTF-8 byte"] = new(() => { var d = Utf8(SgxDoc); d[SgxDoc.IndexOf("BIOS", StringComparison.Ordinal)] = 0xFF; return d; }, TM, ""),
        ["UTF-8 byte order mark"] = new(() => [0xEF, 0xBB, 0xBF, .. Utf8(SgxDoc)], TM, ""),
        ["2 MiB of valid JSON"] = new(() => Utf8(SgxDoc + new string(' ', 2 * 1024 * 1024)), TM, ""),
        ["depth bomb at top"] = new(() => Utf8(new string('[', 100_000)), TM, ""),
        ["depth bomb in body"] = new(() => Nested(200), TM, "tcbInfo.x[0][0][0][0][0][0][0][0][0][0][0][0][0]"),
        ["depth 17"] = new(() => Nested(15), TM, "tcbInfo.x[0][0][0][0][0][0][0][0][0][0][0][0][0]"),
        ["comment"] = new(() => Edit(SgxDoc, "\"version\":3,", "/* v */\"version\":3,"), TM, "tcbInfo.id"),
        ["trailing comma"] = new(() => Edit(SgxDoc, "\"tcbEvaluationDataNumber\":21,", "\"tcbEvaluationDataNumber\":21,,"), TM, "tcbInfo.tcbEvaluationDataNumber"),
        ["single quotes"] = new(() => Edit(SgxDoc, "\"id\":\"SGX\"", "'id':'SGX'"), TM, "tcbInfo"),
        ["bad escape"] = new(() => Edit(SgxDoc, "\"BIOS\"", "\"BI\\xOS\""), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[0].category"),

        // Envelope
        ["tcbInfo missing"] = new(() => Utf8("{\"signature\":\"" + SgxSignature + "\"}"), TM, "tcbInfo"),
        ["signature missing"] = new(() => Utf8("{\"tcbInfo\":" + SgxBody + "}"), TM, "signature"),
        ["tcbInfo is an array"] = new(() => Utf8("{\"tcbInfo\":[],\"signature\":\"" + SgxSignature + "\"}"), TM, "tcbInfo"),
        ["tcbInfo is a string"] = new(() => Utf8("{\"tcbInfo\":\"{}\",\"signature\":\"" + SgxSignature + "\"}"), TM, "tcbInfo"),
        ["extra top-level member"] = new(() => Edit(SgxDoc, ",\"signature\":", ",\"extra\":1,\"signature\":"), TM, "extra"),
        ["duplicate top-level signature"] = new(() => Edit(SgxDoc, ",\"signature\":", ",\"signature\":\"" + SgxSignature + "\",\"signature\":"), TM, "signature"),
        ["duplicate top-level tcbInfo via escape"] = new(() => Edit(SgxDoc, ",\"signature\":", ",\"tcb\\u0049nfo\":{},\"signature\":"), TM, "tcbInfo"),
        ["duplicate key in body"] = new(() => Edit(SgxDoc, "\"id\":\"SGX\",", "\"id\":\"SGX\",\"version\":3,"), TM, "tcbInfo.version"),
        ["duplicate key in body via escape"] = new(() => Edit(SgxDoc, "\"id\":\"SGX\",", "\"id\":\"SGX\",\"\\u0069d\":\"SGX\","), TM, "tcbInfo.id"),
        ["lone surrogate in body key"] = new(() => Edit(SgxDoc, "{\"tcbInfo\":{", "{\"tcbInfo\":{\"\\uD800\":1,"), TM, "tcbInfo"),
        ["duplicate key deep"] = new(() => Edit(SgxDoc, "{\"svn\":15,", "{\"svn\":15,\"svn\":15,"), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[0].svn"),
        ["duplicate key in unknown member"] = new(() => Edit(SgxDoc, "\"id\":\"SGX\",", "\"id\":\"SGX\",\"x\":[{\"a\":1,\"a\":2}],"), TM, "tcbInfo.x[0].a"),
        ["signature 127 hex"] = new(() => Edit(SgxDoc, SgxSignature, SgxSignature[..^1]), TM, "signature"),
        ["signature 129 hex"] = new(() => Edit(SgxDoc, SgxSignature, SgxSignature + "0"), TM, "signature"),
        ["signature not hex"] = new(() => Edit(SgxDoc, SgxSignature, "g" + SgxSignature[1..]), TM, "signature"),
        ["signature number"] = new(() => Edit(SgxDoc, "\"" + SgxSignature + "\"", "1"), TM, "signature"),
        ["lone surrogate in key"] = new(() => Edit(SgxDoc, ",\"signature\":", ",\"\\uD800\":1,\"signature\":"), TM, ""),

        // Header fields
        ["version missing"] = new(() => Edit(SgxDoc, "\"version\":3,", ""), TM, "tcbInfo.version"),
        ["version string"] = new(() => Edit(SgxDoc, "\"version\":3,", "\"version\":\"3\","), TM, "tcbInfo.version"),
        ["version 3.0"] = new(() => Edit(SgxDoc, "\"version\":3,", "\"version\":3.0,"), TM, "tcbInfo.version"),
        ["version 1"] = new(() => Edit(SgxDoc, "\"version\":3,", "\"version\":1,"), TU, "tcbInfo.version"),
        ["version 4"] = new(() => Edit(SgxDoc, "\"version\":3,", "\"version\":4,"), TU, "tcbInfo.version"),
        ["id missing in v3"] = new(() => Edit(SgxDoc, "\"id\":\"SGX\",", ""), TM, "tcbInfo.id"),
        ["id number"] = new(() => Edit(SgxDoc, "\"id\":\"SGX\",", "\"id\":1,"), TM, "tcbInfo.id"),
        ["id SEV"] = new(() => Edit(SgxDoc, "\"id\":\"SGX\",", "\"id\":\"SEV\","), TU, "tcbInfo.id"),
        ["id lower-case"] = new(() => Edit(SgxDoc, "\"id\":\"SGX\",", "\"id\":\"sgx\","), TU, "tcbInfo.id"),
        ["issueDate missing"] = new(() => Edit(SgxDoc, "\"issueDate\":\"2026-07-30T16:11:16Z\",", ""), TM, "tcbInfo.issueDate"),
        ["issueDate with space"] = new(() => Edit(SgxDoc, "2026-07-30T16:11:16Z", "2026-07-30 16:11:16Z"), TM, "tcbInfo.issueDate"),
        ["issueDate with offset"] = new(() => Edit(SgxDoc, "2026-07-30T16:11:16Z", "2026-07-30T16:11:16+00:00"), TM, "tcbInfo.issueDate"),
        ["issueDate 30 February"] = new(() => Edit(SgxDoc, "2026-07-30T16:11:16Z", "2026-02-30T16:11:16Z"), TM, "tcbInfo.issueDate"),
        ["nextUpdate number"] = new(() => Edit(SgxDoc, "\"2026-08-29T16:11:16Z\"", "1787588476"), TM, "tcbInfo.nextUpdate"),
        ["fmspc 10 hex"] = new(() => Edit(SgxDoc, "\"00606A000000\"", "\"00606A0000\""), TM, "tcbInfo.fmspc"),
        ["fmspc not hex"] = new(() => Edit(SgxDoc, "\"00606A000000\"", "\"00606A00000G\""), TM, "tcbInfo.fmspc"),
        ["pceId missing"] = new(() => Edit(SgxDoc, "\"pceId\":\"0000\",", ""), TM, "tcbInfo.pceId"),
        ["pceId 6 hex"] = new(() => Edit(SgxDoc, "\"pceId\":\"0000\",", "\"pceId\":\"000000\","), TM, "tcbInfo.pceId"),
        ["tcbType string"] = new(() => Edit(SgxDoc, "\"tcbType\":0,", "\"tcbType\":\"0\","), TM, "tcbInfo.tcbType"),
        ["tcbType 1"] = new(() => Edit(SgxDoc, "\"tcbType\":0,", "\"tcbType\":1,"), TU, "tcbInfo.tcbType"),
        ["tcbEvaluationDataNumber negative"] = new(() => Edit(SgxDoc, "\"tcbEvaluationDataNumber\":21,", "\"tcbEvaluationDataNumber\":-21,"), TM, "tcbInfo.tcbEvaluationDataNumber"),
        ["tcbEvaluationDataNumber missing"] = new(() => Edit(SgxDoc, "\"tcbEvaluationDataNumber\":21,", ""), TM, "tcbInfo.tcbEvaluationDataNumber"),

        // Levels
        ["tcbLevels missing"] = new(() => Edit(SgxDoc, "\"tcbLevels\":", "\"levels\":"), TM, "tcbInfo.tcbLevels"),
        ["tcbLevels empty"] = new(() => SgxWithLevels(), TM, "tcbInfo.tcbLevels"),
        ["tcbLevels object"] = new(() => ReplaceValue(SgxDoc, "\"tcbLevels\":", "{}"), TM, "tcbInfo.tcbLevels"),
        ["level not an object"] = new(() => SgxWithLevels("1"), TM, "tcbInfo.tcbLevels[0]"),
        ["level tcb missing"] = new(() => Edit(SgxDoc, "{\"tcb\":{", "{\"tcbx\":{"), TM, "tcbInfo.tcbLevels[0].tcb"),
        ["15 components"] = new(() => Edit(SgxDoc, "{\"svn\":0},", ""), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents"),
        ["17 components"] = new(() => Edit(SgxDoc, "{\"svn\":0},", "{\"svn\":0},{\"svn\":0},"), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents"),
        ["components not an array"] = new(() => SgxWithLevels("{\"tcb\":{\"sgxtcbcomponents\":{},\"pcesvn\":1},\"tcbDate\":\"2026-02-11T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}"), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents"),
        ["component not an object"] = new(() => Edit(SgxDoc, "{\"svn\":255}", "255"), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[4]"),
        ["component svn missing"] = new(() => Edit(SgxDoc, "{\"svn\":255}", "{\"sv\":255}"), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[4].svn"),
        ["component svn 256"] = new(() => Edit(SgxDoc, "{\"svn\":255}", "{\"svn\":256}"), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[4].svn"),
        ["component svn -1"] = new(() => Edit(SgxDoc, "{\"svn\":255}", "{\"svn\":-1}"), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[4].svn"),
        ["component svn 1.0"] = new(() => Edit(SgxDoc, "{\"svn\":1}", "{\"svn\":1.0}"), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[6].svn"),
        ["component svn 1e0"] = new(() => Edit(SgxDoc, "{\"svn\":1}", "{\"svn\":1e0}"), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[6].svn"),
        ["component svn huge"] = new(() => Edit(SgxDoc, "{\"svn\":1}", "{\"svn\":99999999999999999999999}"), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[6].svn"),
        ["component category number"] = new(() => Edit(SgxDoc, "\"category\":\"BIOS\"", "\"category\":1"), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[0].category"),
        ["component category lone surrogate"] = new(() => Edit(SgxDoc, "\"category\":\"BIOS\"", "\"category\":\"\\uD800\""), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomponents[0].category"),
        ["pcesvn missing"] = new(() => Edit(SgxDoc, ",\"pcesvn\":13", ""), TM, "tcbInfo.tcbLevels[0].tcb.pcesvn"),
        ["pcesvn 65536"] = new(() => Edit(SgxDoc, "\"pcesvn\":13", "\"pcesvn\":65536"), TM, "tcbInfo.tcbLevels[0].tcb.pcesvn"),
        ["tcbDate missing"] = new(() => Edit(SgxDoc, "\"tcbDate\":\"2026-02-11T00:00:00Z\",", ""), TM, "tcbInfo.tcbLevels[0].tcbDate"),
        ["tcbDate lower-case z"] = new(() => Edit(SgxDoc, "\"tcbDate\":\"2026-02-11T00:00:00Z\"", "\"tcbDate\":\"2026-02-11T00:00:00z\""), TM, "tcbInfo.tcbLevels[0].tcbDate"),
        ["tcbStatus missing"] = new(() => Edit(SgxDoc, "\"tcbStatus\":\"SWHardeningNeeded\",", ""), TM, "tcbInfo.tcbLevels[0].tcbStatus"),
        ["tcbStatus bad spelling"] = new(() => Edit(SgxDoc, "\"SWHardeningNeeded\"", "\"SwHardeningNeeded\""), TM, "tcbInfo.tcbLevels[0].tcbStatus"),
        ["tcbStatus lower-case"] = new(() => Edit(SgxDoc, "\"SWHardeningNeeded\"", "\"swhardeningneeded\""), TM, "tcbInfo.tcbLevels[0].tcbStatus"),
        ["tcbStatus number"] = new(() => Edit(SgxDoc, "\"SWHardeningNeeded\"", "1"), TM, "tcbInfo.tcbLevels[0].tcbStatus"),
        ["advisoryIDs string"] = new(() => Edit(SgxDoc, "\"advisoryIDs\":[\"INTEL-SA-00615\"]", "\"advisoryIDs\":\"INTEL-SA-00615\""), TM, "tcbInfo.tcbLevels[0].advisoryIDs"),
        ["advisoryIDs number element"] = new(() => Edit(SgxDoc, "\"advisoryIDs\":[\"INTEL-SA-00615\"]", "\"advisoryIDs\":[1]"), TM, "tcbInfo.tcbLevels[0].advisoryIDs[0]"),
        ["duplicate level"] = new(() => SgxWithLevels(Level(Svns16, 13, "UpToDate"), Level(Svns16, 13, "UpToDate")), TM, "tcbInfo.tcbLevels[1]"),
        ["duplicate level, other status"] = new(() => SgxWithLevels(Level(Svns16, 13, "UpToDate"), Level("1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1", 2, "OutOfDate"), Level(Svns16, 13, "Revoked")), TM, "tcbInfo.tcbLevels[2]"),

        // TEE parts
        ["SGX with tdxModule"] = new(() => Edit(SgxDoc, "\"tcbLevels\":", "\"tdxModule\":{},\"tcbLevels\":"), TM, "tcbInfo.tdxModule"),
        ["SGX with tdxModuleIdentities"] = new(() => Edit(SgxDoc, "\"tcbLevels\":", "\"tdxModuleIdentities\":[],\"tcbLevels\":"), TM, "tcbInfo.tdxModuleIdentities"),
        ["v2 with tdxModule"] = new(() => Edit(V2Doc, "\"tcbLevels\":", "\"tdxModule\":{},\"tcbLevels\":"), TM, "tcbInfo.tdxModule"),
        ["TDX without tdxModule"] = new(() => Edit(TdxDoc, "\"tdxModule\":", "\"tdxModuleX\":"), TM, "tcbInfo.tdxModule"),
        ["TDX tdxModule array"] = new(() => ReplaceValue(TdxDoc, "\"tdxModule\":", "[]"), TM, "tcbInfo.tdxModule"),
        ["TDX module mrsigner short"] = new(() => Edit(TdxDoc, "{\"mrsigner\":\"00", "{\"mrsigner\":\""), TM, "tcbInfo.tdxModule.mrsigner"),
        ["TDX module attributes missing"] = new(() => Edit(TdxDoc, "\"attributes\":\"0000000000000000\",", ""), TM, "tcbInfo.tdxModule.attributes"),
        ["TDX identities empty"] = new(() => Edit(TdxDoc, "\"tdxModuleIdentities\":[", "\"tdxModuleIdentities\":[],\"x\":["), TM, "tcbInfo.tdxModuleIdentities"),
        ["TDX identity duplicate id"] = new(() => Edit(TdxDoc, "\"TDX_01\"", "\"TDX_03\""), TM, "tcbInfo.tdxModuleIdentities[1].id"),
        ["TDX identity levels empty"] = new(() => Edit(TdxDoc, "\"tcbLevels\":[{\"tcb\":{\"isvsvn\":3}", "\"tcbLevels\":[],\"x\":[{\"tcb\":{\"isvsvn\":3}"), TM, "tcbInfo.tdxModuleIdentities[0].tcbLevels"),
        ["TDX identity isvsvn 256"] = new(() => Edit(TdxDoc, "{\"isvsvn\":3}", "{\"isvsvn\":256}"), TM, "tcbInfo.tdxModuleIdentities[0].tcbLevels[0].tcb.isvsvn"),
        ["TDX identity duplicate isvsvn"] = new(() => Edit(TdxDoc, "{\"isvsvn\":2}", "{\"isvsvn\":4}"), TM, "tcbInfo.tdxModuleIdentities[1].tcbLevels[1].tcb.isvsvn"),
        ["TDX 15 tdx components"] = new(() => Edit(TdxDoc, "\"type\":\"TDX Late Microcode Update\"},{\"svn\":0},", "\"type\":\"TDX Late Microcode Update\"},"), TM, "tcbInfo.tcbLevels[0].tcb.tdxtcbcomponents"),
        ["TDX tdx components missing"] = new(() => Edit(TdxDoc, "\"tdxtcbcomponents\":", "\"tdxtcbcomponentsX\":"), TM, "tcbInfo.tcbLevels[0].tcb.tdxtcbcomponents"),
        ["v2 component missing"] = new(() => Edit(V2Doc, "\"sgxtcbcomp16svn\":0,", ""), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomp16svn"),
        ["v2 component 256"] = new(() => Edit(V2Doc, "\"sgxtcbcomp05svn\":255", "\"sgxtcbcomp05svn\":256"), TM, "tcbInfo.tcbLevels[0].tcb.sgxtcbcomp05svn"),
        ["v2 tcb not an object"] = new(() => Edit(V2Doc, "{\"tcb\":{\"sgxtcbcomp01svn\":4,", "{\"tcb\":[],\"tcbX\":{\"sgxtcbcomp01svn\":4,"), TM, "tcbInfo.tcbLevels[0].tcb"),
    };

    private static readonly string QeSignature = QeDoc[(QeDoc.LastIndexOf("\"signature\":\"", StringComparison.Ordinal) + 13)..^2];

    private static readonly Dictionary<string, Row> QeRows = new()
    {
        ["empty"] = new(() => [], QM, ""),
        ["2 MiB"] = new(() => Utf8(QeDoc + new string(' ', 2 * 1024 * 1024)), QM, ""),
        ["trailing garbage"] = new(() => Utf8(QeDoc + "]"), QM, ""),
        ["non-UTF-8"] = new(() => [.. Utf8(QeDoc)[..^2], 0xC3, .. "\"}"u8], QM, ""),
        ["enclaveIdentity missing"] = new(() => Utf8("{\"signature\":\"" + QeSignature + "\"}"), QM, "enclaveIdentity"),
        ["tcbInfo instead of enclaveIdentity"] = new(() => Edit(QeDoc, "{\"enclaveIdentity\":", "{\"tcbInfo\":"), QM, "tcbInfo"),
        ["extra top-level member"] = new(() => Edit(QeDoc, ",\"signature\":", ",\"x\":null,\"signature\":"), QM, "x"),
        ["signature 127 hex"] = new(() => Edit(QeDoc, QeSignature, QeSignature[..^1]), QM, "signature"),
        ["duplicate key in level"] = new(() => Edit(QeDoc, "{\"tcb\":{\"isvsvn\":8}", "{\"tcb\":{\"isvsvn\":8},\"tcb\":{\"isvsvn\":8}"), QM, "enclaveIdentity.tcbLevels[0].tcb"),
        ["depth bomb"] = new(() => Edit(QeDoc, "{\"enclaveIdentity\":{", "{\"enclaveIdentity\":{\"x\":" + new string('[', 64) + new string(']', 64) + ","), QM, "enclaveIdentity.x[0][0][0][0][0][0][0][0][0][0][0][0][0]"),
        ["version 1"] = new(() => Edit(QeDoc, "\"version\":2", "\"version\":1"), QU, "enclaveIdentity.version"),
        ["version 4"] = new(() => Edit(QeDoc, "\"version\":2", "\"version\":4"), QU, "enclaveIdentity.version"),
        ["version string"] = new(() => Edit(QeDoc, "\"version\":2", "\"version\":\"2\""), QM, "enclaveIdentity.version"),
        ["id unknown"] = new(() => Edit(QeDoc, "\"id\":\"QE\"", "\"id\":\"PCE\""), QU, "enclaveIdentity.id"),
        ["id missing"] = new(() => Edit(QeDoc, "\"id\":\"QE\",", ""), QM, "enclaveIdentity.id"),
        ["issueDate bad"] = new(() => Edit(QeDoc, "2026-07-30T16:31:17Z", "2026-07-30T16:31Z"), QM, "enclaveIdentity.issueDate"),
        ["miscselect 6 hex"] = new(() => Edit(QeDoc, "\"miscselect\":\"00000000\"", "\"miscselect\":\"000000\""), QM, "enclaveIdentity.miscselect"),
        ["miscselectMask missing"] = new(() => Edit(QeDoc, "\"miscselectMask\":\"FFFFFFFF\",", ""), QM, "enclaveIdentity.miscselectMask"),
        ["attributes 30 hex"] = new(() => Edit(QeDoc, "\"attributes\":\"11000000000000000000000000000000\"", "\"attributes\":\"110000000000000000000000000000\""), QM, "enclaveIdentity.attributes"),
        ["attributesMask not hex"] = new(() => Edit(QeDoc, "FBFFFFFFFFFFFFFF0000000000000000", "XBFFFFFFFFFFFFFF0000000000000000"), QM, "enclaveIdentity.attributesMask"),
        ["mrsigner 62 hex"] = new(() => Edit(QeDoc, "\"mrsigner\":\"8C", "\"mrsigner\":\""), QM, "enclaveIdentity.mrsigner"),
        ["mrsigner null"] = new(() => Edit(QeDoc, "\"mrsigner\":\"8C4F5775D796503E96137F77C68A829A0056AC8DED70140B081B094490C57BFF\"", "\"mrsigner\":null"), QM, "enclaveIdentity.mrsigner"),
        ["isvprodid 65536"] = new(() => Edit(QeDoc, "\"isvprodid\":1", "\"isvprodid\":65536"), QM, "enclaveIdentity.isvprodid"),
        ["isvprodid missing"] = new(() => Edit(QeDoc, "\"isvprodid\":1,", ""), QM, "enclaveIdentity.isvprodid"),
        ["tcbEvaluationDataNumber string"] = new(() => Edit(QeDoc, "\"tcbEvaluationDataNumber\":21", "\"tcbEvaluationDataNumber\":\"21\""), QM, "enclaveIdentity.tcbEvaluationDataNumber"),
        ["tcbLevels missing"] = new(() => Edit(QeDoc, "\"tcbLevels\":", "\"levels\":"), QM, "enclaveIdentity.tcbLevels"),
        ["tcbLevels empty"] = new(() => Edit(QeDoc, "\"tcbLevels\":[", "\"tcbLevels\":[],\"x\":["), QM, "enclaveIdentity.tcbLevels"),
        ["level tcb missing"] = new(() => Edit(QeDoc, "{\"tcb\":{\"isvsvn\":8},", "{"), QM, "enclaveIdentity.tcbLevels[0].tcb"),
        ["isvsvn string"] = new(() => Edit(QeDoc, "{\"isvsvn\":8}", "{\"isvsvn\":\"8\"}"), QM, "enclaveIdentity.tcbLevels[0].tcb.isvsvn"),
        ["isvsvn 65536"] = new(() => Edit(QeDoc, "{\"isvsvn\":8}", "{\"isvsvn\":65536}"), QM, "enclaveIdentity.tcbLevels[0].tcb.isvsvn"),
        ["duplicate isvsvn"] = new(() => Edit(QeDoc, "{\"isvsvn\":6}", "{\"isvsvn\":8}"), QM, "enclaveIdentity.tcbLevels[1].tcb.isvsvn"),
        ["tcbStatus bad"] = new(() => Edit(QeDoc, "\"tcbStatus\":\"UpToDate\"", "\"tcbStatus\":\"Current\""), QM, "enclaveIdentity.tcbLevels[0].tcbStatus"),
        ["tcbDate missing"] = new(() => Edit(QeDoc, "\"tcbDate\":\"2026-02-11T00:00:00Z\",", ""), QM, "enclaveIdentity.tcbLevels[0].tcbDate"),
        ["advisoryIDs object"] = new(() => Edit(QeDoc, "\"advisoryIDs\":[\"INTEL-SA-00615\"]", "\"advisoryIDs\":{}"), QM, "enclaveIdentity.tcbLevels[1].advisoryIDs"),
    };

    public static TheoryData<string> TcbInfoRows => new(TcbRows.Keys);

    public static TheoryData<string> QeIdentityRows => new(QeRows.Keys);

    [Theory]
    [MemberData(nameof(TcbInfoRows))]
    public void TcbInfo_TryParse_Rejects(string label)
    {
        var row = TcbRows[label];
        var document = row.Document();

        var ok = TcbInfo.TryParse(document, out var tcbInfo, out var error);

        Assert.False(ok);
        Assert.Null(tcbInfo);
        Assert.NotNull(error);
        Assert.Equal(row.Code, error.Code);
        Assert.Equal(row.Path, error.Path);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Theory]
    [MemberData(nameof(QeIdentityRows))]
    public void EnclaveIdentity_TryParse_Rejects(string label)
    {
        var row = QeRows[label];
        var document = row.Document();

        var ok = EnclaveIdentity.TryParse(document, out var identity, out var error);

        Assert.False(ok);
        Assert.Null(identity);
        Assert.NotNull(error);
        Assert.Equal(row.Code, error.Code);
        Assert.Equal(row.Path, error.Path);
    }

    // A document that is a TCB Info given to the Enclave Identity parser (and the reverse) is malformed for it.
    [Fact]
    public void TryParse_WrongKindOfDocument_IsMalformed()
    {
        Assert.False(EnclaveIdentity.TryParse(Utf8(SgxDoc), out _, out var qeError));
        Assert.Equal(QM, qeError.Code);
        Assert.Equal("tcbInfo", qeError.Path);
        Assert.False(TcbInfo.TryParse(Utf8(QeDoc), out _, out var tcbError));
        Assert.Equal(TM, tcbError.Code);
        Assert.Equal("enclaveIdentity", tcbError.Path);
    }
}
