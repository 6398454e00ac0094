using System.Collections.ObjectModel;
using System.Globalization;
using System.Text.Json;

namespace Vouch.Sgx.Collateral;

/// <summary>The TCB Info parse behind <see cref="TcbInfo.TryParse"/>; throws <see cref="CollateralFormatException"/>.</summary>
internal static class TcbInfoParser
{
    public const string BodyName = "tcbInfo";

    /// <summary>Components per level: 16 SGX (and 16 TDX) SVNs (§2.3 OIDs .2.1–.2.16; QVL SGX_TCB_SVN_COMP_COUNT).</summary>
    public const int ComponentCount = 16;

    public const int FmspcBytes = 6;
    public const int PceIdBytes = 2;
    public const int TdxMrSignerBytes = 48;
    public const int TdxAttributesBytes = 8;
    public const int MaxComponentSvn = byte.MaxValue;
    public const int MaxPceSvn = ushort.MaxValue;

    private static readonly JsonFields Json = new(ErrorCode.TcbInfoMalformed);

    private static readonly string[] V2ComponentNames = Enumerable.Range(1, ComponentCount)
        .Select(i => "sgxtcbcomp" + i.ToString("D2", CultureInfo.InvariantCulture) + "svn")
        .ToArray();

    public static TcbInfo Parse(ReadOnlyMemory<byte> document)
    {
        var parts = SignedEnvelope.Read(document, BodyName, ErrorCode.TcbInfoMalformed);
        using var json = SignedEnvelope.ParseBody(parts, BodyName, ErrorCode.TcbInfoMalformed);
        var body = json.RootElement;
        const string P = BodyName;
        var root = new JsonPath(P);

        // §2.4 step 1, in QVL's order: version, id, dates, fmspc, pceId, tcbType, tcbEvaluationDataNumber, TDX parts, levels.
        var version = Json.UInt(body, P, "version", int.MaxValue);
        if (version is not (2 or 3))
        {
            throw JsonFields.Fail(ErrorCode.TcbInfoUnsupported, root.Member("version"), $"TCB Info version {version} is not supported (2 or 3).");
        }

        var id = TcbInfoId.Sgx;
        if (version == 3)
        {
            id = Json.String(body, P, "id") switch
            {
                "SGX" => TcbInfoId.Sgx,
                "TDX" => TcbInfoId.Tdx,
                _ => throw JsonFields.Fail(ErrorCode.TcbInfoUnsupported, root.Member("id"), "TCB Info id is not SGX or TDX."),
            };
        }

        var issueDate = Json.Date(body, P, "issueDate");
        var nextUpdate = Json.Date(body, P, "nextUpdate");
        var fmspc = Json.Hex(body, P, "fmspc", FmspcBytes);
        var pceId = Json.Hex(body, P, "pceId", PceIdBytes);

        // QVL 4.1.2.7.4: tcbType 0 is the only defined composition.
        var tcbType = Json.Int(body, P, "tcbType");
        if (tcbType != 0)
        {
            throw JsonFields.Fail(ErrorCode.TcbInfoUnsupported, root.Member("tcbType"), $"tcbType {tcbType} is not supported (0).");
        }

        var evaluationDataNumber = Json.UInt(body, P, "tcbEvaluationDataNumber", int.MaxValue);

        var hasModule = body.TryGetProperty("tdxModule", out var moduleJson);
        var hasIdentities = body.TryGetProperty("tdxModuleIdentities", out _);
        TdxModule? module = null;
        IReadOnlyList<TdxModuleIdentity> identities = [];
        if (id == TcbInfoId.Sgx)
        {
            if (hasModule || hasIdentities)
            {
                var name = hasModule ? "tdxModule" : "tdxModuleIdentities";
                throw Json.Fail(root.Member(name), $"An SGX TCB Info must not carry '{name}'.");
            }
        }
        else
        {
            if (!hasModule)
            {
                throw Json.Fail(root.Member("tdxModule"), "A TDX TCB Info must carry 'tdxModule'.");
            }

            module = ParseTdxModule(moduleJson, root.Member("tdxModule"));
            if (hasIdentities)
            {
                identities = ParseTdxModuleIdentities(Json.Array(body, P, "tdxModuleIdentities", nonEmpty: true), root.Member("tdxModuleIdentities"));
            }
        }

        var levelsPath = root.Member("tcbLevels").ToString();
        var levelsJson = Json.Array(body, P, "tcbLevels", nonEmpty: true);
        var received = new TcbLevel[levelsJson.GetArrayLength()];
        int i = 0;
        foreach (var levelJson in levelsJson.EnumerateArray())
        {
            received[i] = ParseLevel(levelJson, new JsonPath(levelsPath, i), version, id);
            i++;
        }

        var canonical = TcbLevelOrder.Sort(received, out var duplicate);
        if (duplicate >= 0)
        {
            throw Json.Fail(new JsonPath(levelsPath, duplicate), "Duplicate TCB level: another level has the same SVNs.");
        }

        return new TcbInfo(
            parts.Document, parts.BodyRaw, parts.Body, parts.Signature,
            id, version, issueDate, nextUpdate, fmspc, pceId, tcbType, evaluationDataNumber,
            module, identities, Array.AsReadOnly(canonical), Array.AsReadOnly(received));
    }

    private static TcbLevel ParseLevel(JsonElement level, JsonPath path, int version, TcbInfoId id)
    {
        Json.ExpectObject(level, path);
        var tcbPath = path.Member("tcb");
        var tcb = Json.Object(level, path, "tcb");

        TcbComponent[] sgx;
        TcbComponent[]? tdx = null;
        if (version == 2)
        {
            sgx = new TcbComponent[ComponentCount];
            for (int c = 0; c < ComponentCount; c++)
            {
                sgx[c] = new TcbComponent(Json.UInt(tcb, tcbPath, V2ComponentNames[c], MaxComponentSvn), null, null);
            }
        }
        else
        {
            sgx = ParseComponents(tcb, tcbPath, "sgxtcbcomponents");
            if (id == TcbInfoId.Tdx)
            {
                tdx = ParseComponents(tcb, tcbPath, "tdxtcbcomponents");
            }
        }

        var pceSvn = Json.UInt(tcb, tcbPath, "pcesvn", MaxPceSvn);
        var tcbDate = Json.Date(level, path, "tcbDate");
        var status = Json.Status(level, path, "tcbStatus");
        var advisories = Json.AdvisoryIds(level, path);
        return new TcbLevel(Array.AsReadOnly(sgx), pceSvn, tdx is null ? null : Array.AsReadOnly(tdx), tcbDate, status, advisories);
    }

    // Exactly 16 {svn, category?, type?} (pitfall §6 item 3: no silently shorter lists).
    private static TcbComponent[] ParseComponents(JsonElement tcb, JsonPath tcbPath, string name)
    {
        var path = tcbPath.Member(name).ToString();
        var array = Json.Array(tcb, tcbPath, name, nonEmpty: false);
        if (array.GetArrayLength() != ComponentCount)
        {
            throw Json.Fail(path, $"Expected exactly {ComponentCount} components, found {array.GetArrayLength()}.");
        }

        var components = new TcbComponent[ComponentCount];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var at = new JsonPath(path, i);
            Json.ExpectObject(item, at);
            components[i] = new TcbComponent(
                Json.UInt(item, at, "svn", MaxComponentSvn),
                Json.OptionalString(item, at, "category"),
                Json.OptionalString(item, at, "type"));
            i++;
        }

        return components;
    }

    private static TdxModule ParseTdxModule(JsonElement module, JsonPath path)
    {
        Json.ExpectObject(module, path);
        return new TdxModule(
            Json.Hex(module, path, "mrsigner", TdxMrSignerBytes),
            Json.Hex(module, path, "attributes", TdxAttributesBytes),
            Json.Hex(module, path, "attributesMask", TdxAttributesBytes));
    }

    private static ReadOnlyCollection<TdxModuleIdentity> ParseTdxModuleIdentities(JsonElement array, JsonPath path)
    {
        var identities = new TdxModuleIdentity[array.GetArrayLength()];
        var ids = new HashSet<string>(StringComparer.Ordinal);
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var at = path.Element(i);
            Json.ExpectObject(item, at);
            var id = Json.String(item, at, "id");
            if (!ids.Add(id))
            {
                throw Json.Fail(at.Member("id"), $"Two TDX module identities have the id '{id}'.");
            }

            var mrSigner = Json.Hex(item, at, "mrsigner", TdxMrSignerBytes);
            var attributes = Json.Hex(item, at, "attributes", TdxAttributesBytes);
            var attributesMask = Json.Hex(item, at, "attributesMask", TdxAttributesBytes);
            var levels = IdentityLevels.Parse(Json, Json.Array(item, at, "tcbLevels", nonEmpty: true), at.Member("tcbLevels"), MaxComponentSvn);

            // QVL keeps module levels in a std::set ordered by isvsvn, descending, and rejects duplicates.
            var sorted = levels.ToArray();
            Array.Sort(sorted, (a, b) => b.IsvSvn.CompareTo(a.IsvSvn));
            identities[i] = new TdxModuleIdentity(id, mrSigner, attributes, attributesMask, Array.AsReadOnly(sorted));
            i++;
        }

        return Array.AsReadOnly(identities);
    }
}
