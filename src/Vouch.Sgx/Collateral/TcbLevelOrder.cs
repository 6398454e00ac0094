namespace Vouch.Sgx.Collateral;

/// <summary>
/// Intel's canonical order of platform TCB levels: QVL inserts them into a
/// <c>std::set&lt;TcbLevel, std::greater&lt;TcbLevel&gt;&gt;</c>, so iteration follows <c>TcbLevel::operator&gt;</c>
/// (dcap-verification §2.7 step 1).
/// </summary>
internal static class TcbLevelOrder
{
    /// <summary>
    /// Positive when <paramref name="a"/> ranks above <paramref name="b"/> in Intel's <c>operator&gt;</c>: the
    /// 16 SGX component SVNs compared lexicographically, then <c>pcesvn</c>, then, when both levels carry TDX
    /// components, the 16 TDX SVNs lexicographically. Zero means QVL's set would treat them as the same level.
    /// </summary>
    public static int Compare(TcbLevel a, TcbLevel b)
    {
        var bySgx = CompareSvns(a.SgxComponents, b.SgxComponents);
        if (bySgx != 0)
        {
            return bySgx;
        }

        var byPce = a.PceSvn.CompareTo(b.PceSvn);
        if (byPce != 0)
        {
            return byPce;
        }

        return a.TdxComponents is not null && b.TdxComponents is not null ? CompareSvns(a.TdxComponents, b.TdxComponents) : 0;
    }

    /// <summary>
    /// The levels highest first. <paramref name="duplicateIndex"/> is the JSON index of a level equal to an
    /// earlier one (QVL: "Detected duplicated TCB levels"), or -1.
    /// </summary>
    public static TcbLevel[] Sort(IReadOnlyList<TcbLevel> received, out int duplicateIndex)
    {
        var order = Enumerable.Range(0, received.Count).ToArray();

        // Descending; ties broken by JSON index so the reported duplicate is the later one.
        Array.Sort(order, (x, y) =>
        {
            var c = Compare(received[y], received[x]);
            return c != 0 ? c : x.CompareTo(y);
        });

        duplicateIndex = -1;
        for (int k = 1; k < order.Length; k++)
        {
            if (Compare(received[order[k - 1]], received[order[k]]) == 0)
            {
                duplicateIndex = order[k];
                break;
            }
        }

        return order.Select(i => received[i]).ToArray();
    }

    // Lexicographic over the SVNs; both lists have 16 entries, a shorter list ranks lower as in std::vector.
    private static int CompareSvns(IReadOnlyList<TcbComponent> a, IReadOnlyList<TcbComponent> b)
    {
        var n = Math.Min(a.Count, b.Count);
        for (int i = 0; i < n; i++)
        {
            var c = a[i].Svn.CompareTo(b[i].Svn);
            if (c != 0)
            {
                return c;
            }
        }

        return a.Count.CompareTo(b.Count);
    }
}
