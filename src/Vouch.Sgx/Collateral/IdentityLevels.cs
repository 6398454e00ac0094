using System.Text.Json;

namespace Vouch.Sgx.Collateral;

/// <summary>
/// Parses identity TCB levels <c>[{tcb:{isvsvn}, tcbDate, tcbStatus, advisoryIDs?}, …]</c>, shared by
/// Enclave Identity (§2.5, §3.3) and TDX module identities (§3.2).
/// </summary>
internal static class IdentityLevels
{
    /// <summary>
    /// The levels in JSON order. Two levels with the same <c>isvsvn</c> are rejected, as Intel's parser
    /// library does (<c>EnclaveIdentity</c>, <c>TdxModuleIdentity</c>: "Detected duplicated TCB levels"); the
    /// QVL verifier's own QE walk would silently take the first.
    /// </summary>
    public static QeTcbLevel[] Parse(JsonFields json, JsonElement array, JsonPath path, int maxIsvSvn)
    {
        var levelsPath = path.ToString();
        var levels = new QeTcbLevel[array.GetArrayLength()];
        var svns = new HashSet<int>();
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            var at = new JsonPath(levelsPath, i);
            json.ExpectObject(item, at);
            var tcb = json.Object(item, at, "tcb");
            var isvSvn = json.UInt(tcb, at.Member("tcb"), "isvsvn", maxIsvSvn);
            if (!svns.Add(isvSvn))
            {
                throw json.Fail(at.Member("tcb").Member("isvsvn"), $"Duplicate TCB level: isvsvn {isvSvn} appears twice.");
            }

            levels[i] = new QeTcbLevel(isvSvn, json.Date(item, at, "tcbDate"), json.Status(item, at, "tcbStatus"), json.AdvisoryIds(item, at));
            i++;
        }

        return levels;
    }
}
