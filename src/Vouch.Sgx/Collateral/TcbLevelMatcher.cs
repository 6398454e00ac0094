namespace Vouch.Sgx.Collateral;

/// <summary>
/// Selects the TCB level that applies to a platform or a quoting enclave, exactly as Intel QVL does
/// (<c>TcbLevelCheck.cpp</c> <c>matchTcbLevels</c>, <c>EnclaveIdentityV2::getTcbStatus</c>). Pure functions.
/// </summary>
public static class TcbLevelMatcher
{
    /// <summary>Number of SGX component SVNs in a PCK certificate and of bytes in TEE_TCB_SVN.</summary>
    public const int ComponentCount = TcbInfoParser.ComponentCount;

    /// <summary>
    /// The platform TCB level: the first level of <see cref="TcbInfo.TcbLevels"/> (Intel's canonical order)
    /// that the platform satisfies, or null when none does (QVL <c>STATUS_TCB_NOT_SUPPORTED</c>, §2.7 step 4).
    /// </summary>
    /// <param name="tcbInfo">The parsed TCB Info.</param>
    /// <param name="pckComponents">
    /// The 16 SGX TCB component SVNs of the PCK certificate (the INTEGERs at OIDs 1.2.840.113741.1.13.1.2.1–.16),
    /// not the CPUSVN octet string (pitfall §6 item 7).
    /// </param>
    /// <param name="pckPceSvn">The PCK certificate's PCESVN (OID …13.1.2.17).</param>
    /// <param name="teeTcbSvn">
    /// For a TDX quote, the 16-byte TEE_TCB_SVN of the TD report; empty for SGX. Ignored when the TCB Info is
    /// not a TDX one (its levels carry no TDX components), as QVL only matches TDX components when both the
    /// TCB Info and the quote are TDX.
    /// </param>
    /// <returns>The matched level, or null.</returns>
    /// <remarks>
    /// A level matches when, component-wise (not lexicographically; §2.7 step 2, vector
    /// <c>synth-lexicographic-trap</c>), every <c>pckComponents[i] ≥ SgxComponents[i].Svn</c> and
    /// <c>pckPceSvn ≥ PceSvn</c>; for TDX also every <c>teeTcbSvn[i] ≥ TdxComponents[i].Svn</c>, where indices 0 and 1
    /// are skipped when <c>teeTcbSvn[1] &gt; 0</c> because the TDX module identity check covers them (§2.7 step 3).
    /// For TDX the result is QVL's "TDX TCB level"; QVL also notes the first level matching on SGX components
    /// alone, which does not decide the status and is not returned here.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="tcbInfo"/> or <paramref name="pckComponents"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="pckComponents"/> does not have 16 entries, <paramref name="teeTcbSvn"/> is neither empty nor 16 bytes,
    /// or a level of <paramref name="tcbInfo"/> lacks 16 SGX (or, where present, TDX) components, which only a
    /// hand-built <see cref="TcbInfo"/> can do; a short level is never silently compared on fewer components.
    /// </exception>
    public static TcbLevel? MatchPlatform(TcbInfo tcbInfo, IReadOnlyList<int> pckComponents, int pckPceSvn, ReadOnlySpan<byte> teeTcbSvn = default)
    {
        ArgumentNullException.ThrowIfNull(tcbInfo);
        ArgumentNullException.ThrowIfNull(pckComponents);
        if (pckComponents.Count != ComponentCount)
        {
            throw new ArgumentException($"Expected {ComponentCount} PCK component SVNs.", nameof(pckComponents));
        }

        if (!teeTcbSvn.IsEmpty && teeTcbSvn.Length != ComponentCount)
        {
            throw new ArgumentException($"TEE_TCB_SVN is {ComponentCount} bytes.", nameof(teeTcbSvn));
        }

        foreach (var level in tcbInfo.TcbLevels)
        {
            if (level.SgxComponents.Count != ComponentCount || level.TdxComponents is { Count: not ComponentCount })
            {
                throw new ArgumentException($"A TCB level does not have {ComponentCount} components.", nameof(tcbInfo));
            }

            if (SgxSatisfied(level, pckComponents, pckPceSvn)
                && (teeTcbSvn.IsEmpty || level.TdxComponents is null || TdxSatisfied(level.TdxComponents, teeTcbSvn)))
            {
                return level;
            }
        }

        return null;
    }

    /// <summary>
    /// The QE TCB level: the first level of <see cref="EnclaveIdentity.TcbLevels"/>, in JSON order as Intel walks
    /// them, whose <c>isvsvn</c> ≤ <paramref name="isvSvn"/>; null when none (QVL
    /// <c>…ISVSVN_NOT_SUPPORTED</c>, §2.6 step 13). Comparison is ≤, never equality (pitfall §6 item 5).
    /// </summary>
    /// <param name="identity">The parsed Enclave Identity.</param>
    /// <param name="isvSvn">The ISVSVN of the QE report in the quote.</param>
    /// <returns>The matched level, or null.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="identity"/> is null.</exception>
    public static QeTcbLevel? MatchQe(EnclaveIdentity identity, int isvSvn)
    {
        ArgumentNullException.ThrowIfNull(identity);
        foreach (var level in identity.TcbLevels)
        {
            if (level.IsvSvn <= isvSvn)
            {
                return level;
            }
        }

        return null;
    }

    // §2.7 step 2: every component ≥ (any lower one fails), and PCESVN ≥ (pitfall §6 item 4).
    private static bool SgxSatisfied(TcbLevel level, IReadOnlyList<int> pckComponents, int pckPceSvn)
    {
        for (int i = 0; i < ComponentCount; i++)
        {
            if (pckComponents[i] < level.SgxComponents[i].Svn)
            {
                return false;
            }
        }

        return pckPceSvn >= level.PceSvn;
    }

    // §2.7 step 3 (QVL isTdxTcbHigherOrEqual): skip indices 0 and 1 when TEE_TCB_SVN[1] > 0.
    private static bool TdxSatisfied(IReadOnlyList<TcbComponent> tdx, ReadOnlySpan<byte> teeTcbSvn)
    {
        for (int i = teeTcbSvn[1] > 0 ? 2 : 0; i < ComponentCount; i++)
        {
            if (teeTcbSvn[i] < tdx[i].Svn)
            {
                return false;
            }
        }

        return true;
    }
}
