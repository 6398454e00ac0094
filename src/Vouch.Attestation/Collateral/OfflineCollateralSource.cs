using System.Globalization;
using System.Text.Json;
using Vouch.Sgx.Collateral;
using Vouch.Sgx.Quotes;
using Vouch.Sgx.Verification;

namespace Vouch.Attestation.Collateral;

/// <summary>
/// Collateral from any number of folders in the PCS-file layout (see <see cref="DirectoryCollateralSource"/>),
/// chosen per quote by the platform's FMSPC and PCK CA, and picked up again when the folders change.
/// </summary>
/// <remarks>
/// <para>
/// Each root is either itself a collateral folder (it holds <c>tcb_info.json</c> or another required file), or
/// holds collateral folders as immediate subfolders. Subfolders holding none of the required files, and
/// subfolders whose names start with <c>.</c> (work in progress, such as a folder being published), are ignored.
/// A folder is indexed by the <c>tcbInfo.fmspc</c> of its <c>tcb_info.json</c> (lower-case hex), the TEE its TCB
/// Info is for (<c>tcbInfo.id</c>, SGX when absent as in version 2), and the PCK CA whose CRL it carries (the
/// issuer common name of <c>pck_crl.der</c>: "Intel SGX PCK Platform CA" or "Intel SGX PCK Processor CA"; unknown
/// when the CRL does not parse or names another issuer; and the CRL's authority key identifier). None of this is
/// trusted: it only chooses the folder, and the verifier checks everything.
/// </para>
/// <para>
/// For a quote whose certification data is a PCK certificate chain (type 5, or type 6 wrapping 5), the PCK leaf
/// (the one certificate with the SGX extension) gives the FMSPC and, from its issuer's common name and authority
/// key identifier, the CA. The folders of that FMSPC and the quote's TEE are ranked: a PCK CRL of the very CA key
/// that issued the leaf (so genuine Intel collateral and a test PKI's, which copies Intel's names, are told
/// apart), then a CRL of a CA of the same name, then an unknown CA, then the other CA; then the newest
/// <c>tcbInfo.issueDate</c>; then the folder path (ordinal). For a quote with certification data type 1
/// (clear PPID, no chain), a folder qualifies when the leaf of its <c>pck_cert_chain.pem</c> carries that PPID.
/// Any other quote, an FMSPC with no folder, or certification data that does not parse gives null (ATT7101).
/// </para>
/// <para>
/// Folders are scanned when the source is made and then at most once per <see cref="RescanInterval"/>, by the
/// first call after it has passed (measured on the given <see cref="TimeProvider"/>). A scan lists the roots
/// and compares each folder's files' sizes and last-write times with what was loaded: unchanged folders keep
/// their cached collateral, changed or new ones are read again (and once more if their files changed during the
/// read, so a folder replaced meanwhile is not served half old, half new), vanished ones are dropped. A folder
/// that does not load is skipped and listed in <see cref="Problems"/>. A change that keeps both the size and the
/// last-write time of every file (possible on file systems with coarse timestamps) goes unnoticed. All members
/// are safe to call concurrently.
/// </para>
/// </remarks>
public sealed class OfflineCollateralSource : ICollateralSource
{
    /// <summary>The rescan interval used when none is given: two seconds.</summary>
    public static readonly TimeSpan DefaultRescanInterval = TimeSpan.FromSeconds(2);

    private const int LoadAttempts = 3;

    private readonly string[] _roots;
    private readonly TimeProvider _time;
    private readonly Lock _scanGate = new();

    // Both written only under _scanGate. _index is replaced whole, so readers see one scan's result.
    private Dictionary<string, Folder> _folders = new(StringComparer.Ordinal);
    private volatile Index _index = Index.Empty;
    private long _lastScan;

    /// <summary>A source over one root, scanned now and then at most once per <paramref name="rescanInterval"/>.</summary>
    /// <param name="root">A collateral folder, or a folder of collateral folders.</param>
    /// <param name="time">The clock the rescan interval is measured on.</param>
    /// <param name="rescanInterval">How long a scan stays current; <see cref="DefaultRescanInterval"/> when null,
    /// <see cref="TimeSpan.Zero"/> to scan on every call, <see cref="Timeout.InfiniteTimeSpan"/> never to rescan.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rescanInterval"/> is negative (other than infinite).</exception>
    public OfflineCollateralSource(string root, TimeProvider time, TimeSpan? rescanInterval = null)
        : this([root], time, rescanInterval)
    {
    }

    /// <summary>A source over several roots, scanned now and then at most once per <paramref name="rescanInterval"/>.</summary>
    /// <param name="roots">Collateral folders, or folders of collateral folders. A root that does not exist (yet) is listed in <see cref="Problems"/>.</param>
    /// <param name="time">The clock the rescan interval is measured on.</param>
    /// <param name="rescanInterval">How long a scan stays current; <see cref="DefaultRescanInterval"/> when null,
    /// <see cref="TimeSpan.Zero"/> to scan on every call, <see cref="Timeout.InfiniteTimeSpan"/> never to rescan.</param>
    /// <exception cref="ArgumentException"><paramref name="roots"/> is empty or holds an empty path.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rescanInterval"/> is negative (other than infinite).</exception>
    public OfflineCollateralSource(IEnumerable<string> roots, TimeProvider time, TimeSpan? rescanInterval = null)
    {
        ArgumentNullException.ThrowIfNull(roots);
        ArgumentNullException.ThrowIfNull(time);
        _roots = [.. roots.Select(r => string.IsNullOrWhiteSpace(r) ? throw new ArgumentException("A root is empty.", nameof(roots)) : Path.GetFullPath(r)).Distinct(StringComparer.Ordinal)];
        if (_roots.Length == 0)
        {
            throw new ArgumentException("At least one root is required.", nameof(roots));
        }

        var interval = rescanInterval ?? DefaultRescanInterval;
        if (interval < TimeSpan.Zero && interval != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(rescanInterval), interval, "The rescan interval must not be negative.");
        }

        _time = time;
        RescanInterval = interval;
        lock (_scanGate)
        {
            Scan();
        }
    }

    /// <summary>The roots, as full paths.</summary>
    public IReadOnlyList<string> Roots => _roots;

    /// <summary>How long a scan stays current.</summary>
    public TimeSpan RescanInterval { get; }

    /// <summary>The collateral folders indexed by the latest scan (full paths, ordinal order).</summary>
    public IReadOnlyList<string> Folders => _index.Folders;

    /// <summary>
    /// What the latest scan could not use, for the host to log: a folder (or root) path mapped to a one-line
    /// reason. A folder listed here is skipped; the others are served.
    /// </summary>
    public IReadOnlyDictionary<string, string> Problems => _index.Problems;

    /// <summary>
    /// The collateral of every folder the latest scan indexed (rescanning first when due), with the bytes exactly
    /// as read from the files, in <see cref="Folders"/> order: for hosts that serve the collateral on (a PCCS-shaped API).
    /// </summary>
    public IReadOnlyList<QuoteCollateral> HeldCollateral
    {
        get
        {
            RescanIfDue();
            return _index.Collateral;
        }
    }

    /// <inheritdoc />
    public ValueTask<QuoteCollateral?> GetCollateralAsync(Quote quote, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(quote);
        cancellationToken.ThrowIfCancellationRequested();
        RescanIfDue();
        return ValueTask.FromResult(Choose(_index, quote)?.Collateral);
    }

    private static Folder? Choose(Index index, Quote quote)
    {
        if (!QuotePlatform.TryRead(quote, out var pck))
        {
            return null;
        }

        var tee = pck.Tee == TeeType.Tdx ? "TDX" : "SGX";
        if (pck.Fmspc is not null)
        {
            return index.ByFmspc.TryGetValue(pck.Fmspc, out var sameFmspc)
                ? sameFmspc.Where(f => f.Tee == tee)
                    .OrderBy(f => f.Ca == pck.Ca ? (f.CaKeyId is not null && f.CaKeyId == pck.CaKeyId ? 0 : 1) : f.Ca == PckCaKind.Unknown || pck.Ca == PckCaKind.Unknown ? 2 : 3)
                    .ThenByDescending(f => f.IssueDate ?? DateTimeOffset.MinValue)
                    .ThenBy(f => f.Path, StringComparer.Ordinal)
                    .FirstOrDefault()
                : null;
        }

        return index.ByPpid.TryGetValue(pck.Ppid!, out var samePpid)
            ? samePpid.Where(f => f.Tee == tee)
                .OrderByDescending(f => f.IssueDate ?? DateTimeOffset.MinValue)
                .ThenBy(f => f.Path, StringComparer.Ordinal)
                .FirstOrDefault()
            : null;
    }

    private void RescanIfDue()
    {
        if (!IsDue(Interlocked.Read(ref _lastScan)))
        {
            return;
        }

        lock (_scanGate)
        {
            // Another caller may have scanned while this one waited.
            if (IsDue(_lastScan))
            {
                Scan();
            }
        }
    }

    private bool IsDue(long lastScan) =>
        RescanInterval != Timeout.InfiniteTimeSpan && _time.GetElapsedTime(lastScan) >= RescanInterval;

    /// <summary>Lists the roots, reloads what changed and publishes a new index. Called under <see cref="_scanGate"/>.</summary>
    private void Scan()
    {
        var folders = new Dictionary<string, Folder>(StringComparer.Ordinal);
        var problems = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var root in _roots)
        {
            foreach (var path in Candidates(root, problems))
            {
                if (folders.ContainsKey(path))
                {
                    continue;
                }

                var fingerprint = PcsFileLayout.Fingerprint(path);
                var folder = _folders.TryGetValue(path, out var known) && known.Fingerprint == fingerprint
                    ? known
                    : LoadSettled(path, fingerprint);
                folders[path] = folder;
                if (folder.Error is not null)
                {
                    problems[path] = folder.Error;
                }
            }
        }

        _folders = folders;
        _index = Index.Build(folders.Values, problems);
        Interlocked.Exchange(ref _lastScan, _time.GetTimestamp());
    }

    /// <summary>
    /// Loads a folder, and loads it again when its fingerprint changed meanwhile: the files are read one by one, so
    /// a folder replaced during the read could otherwise yield a mix of old and new files.
    /// </summary>
    private static Folder LoadSettled(string path, string fingerprint)
    {
        for (var attempt = 1; ; attempt++)
        {
            var folder = Folder.Load(path, fingerprint);
            var after = PcsFileLayout.Fingerprint(path);
            if (after == fingerprint)
            {
                return folder;
            }

            if (attempt == LoadAttempts)
            {
                // An empty fingerprint matches none, so the next scan tries again.
                return Folder.Failed(path, string.Empty, $"its files kept changing while being read ({LoadAttempts} attempts)");
            }

            fingerprint = after;
        }
    }

    private static List<string> Candidates(string root, SortedDictionary<string, string> problems)
    {
        try
        {
            if (!Directory.Exists(root))
            {
                problems[root] = "collateral root does not exist";
                return [];
            }

            if (PcsFileLayout.LooksLikeCollateralFolder(root))
            {
                return [root];
            }

            return Directory.GetDirectories(root)
                .Where(d => !Path.GetFileName(d).StartsWith('.') && PcsFileLayout.LooksLikeCollateralFolder(d))
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems[root] = "collateral root cannot be listed: " + e.Message;
            return [];
        }
    }

    /// <summary>One collateral folder as last loaded: its collateral and index keys, or why it is unusable.</summary>
    private sealed record Folder(
        string Path,
        string Fingerprint,
        QuoteCollateral? Collateral,
        string? Error,
        string Fmspc,
        string Tee,
        PckCaKind Ca,
        string? CaKeyId,
        DateTimeOffset? IssueDate,
        string? Ppid)
    {
        public static Folder Load(string path, string fingerprint)
        {
            if (!PcsFileLayout.TryLoad(path, out var collateral, out var error))
            {
                return Failed(path, fingerprint, error);
            }

            if (!TryReadTcbInfo(collateral.TcbInfo, out var fmspc, out var tee, out var issueDate, out error))
            {
                return Failed(path, fingerprint, $"{PcsFileLayout.TcbInfo}: {error}");
            }

            var crl = Crl.NormalizeEncoding(collateral.PckCrl.Span) is { } der && Crl.TryParse(der, out var parsed, out _) ? parsed : null;
            var ca = crl is null ? PckCaKind.Unknown : QuotePlatform.CaFromIssuerName(crl.IssuerCommonName);
            string? ppid = null;
            if (collateral.PckCertificateChain is { } chain && QuotePlatform.TryReadPckLeaf(chain.Span, out _, out _, out var extension))
            {
                ppid = Convert.ToHexStringLower(extension.Ppid.Span);
            }

            return new Folder(path, fingerprint, collateral, null, fmspc, tee, ca, QuotePlatform.KeyId(crl?.AuthorityKeyIdentifier), issueDate, ppid);
        }

        public static Folder Failed(string path, string fingerprint, string reason) =>
            new(path, fingerprint, null, reason, string.Empty, string.Empty, PckCaKind.Unknown, null, null, null);

        /// <summary>Reads <c>tcbInfo.fmspc</c>, <c>tcbInfo.id</c> and <c>tcbInfo.issueDate</c> without checking anything else.</summary>
        private static bool TryReadTcbInfo(ReadOnlyMemory<byte> json, out string fmspc, out string tee, out DateTimeOffset? issueDate, out string? error)
        {
            fmspc = tee = string.Empty;
            issueDate = null;
            try
            {
                using var document = JsonDocument.Parse(json);
                if (document.RootElement.ValueKind != JsonValueKind.Object
                    || !document.RootElement.TryGetProperty("tcbInfo", out var tcbInfo)
                    || tcbInfo.ValueKind != JsonValueKind.Object)
                {
                    error = "no tcbInfo object";
                    return false;
                }

                if (!tcbInfo.TryGetProperty("fmspc", out var fmspcValue)
                    || fmspcValue.ValueKind != JsonValueKind.String
                    || fmspcValue.GetString() is not { Length: 12 } hex
                    || !hex.All(char.IsAsciiHexDigit))
                {
                    error = "tcbInfo.fmspc is not 12 hex digits";
                    return false;
                }

                fmspc = hex.ToLowerInvariant();

                // TCB Info version 2 has no id: it predates TDX and is for SGX.
                tee = tcbInfo.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                    ? id.GetString()!.ToUpperInvariant()
                    : "SGX";
                if (tcbInfo.TryGetProperty("issueDate", out var issued)
                    && issued.ValueKind == JsonValueKind.String
                    && DateTimeOffset.TryParse(issued.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
                {
                    issueDate = date;
                }

                error = null;
                return true;
            }
            catch (JsonException e)
            {
                error = "not JSON: " + e.Message;
                return false;
            }
        }
    }

    /// <summary>One scan's result, immutable once published.</summary>
    private sealed record Index(
        IReadOnlyDictionary<string, Folder[]> ByFmspc,
        IReadOnlyDictionary<string, Folder[]> ByPpid,
        IReadOnlyList<string> Folders,
        IReadOnlyList<QuoteCollateral> Collateral,
        IReadOnlyDictionary<string, string> Problems)
    {
        public static Index Empty { get; } = new(
            new Dictionary<string, Folder[]>(), new Dictionary<string, Folder[]>(), [], [], new Dictionary<string, string>());

        public static Index Build(IEnumerable<Folder> folders, SortedDictionary<string, string> problems)
        {
            var usable = folders.Where(f => f.Collateral is not null).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
            return new Index(
                usable.GroupBy(f => f.Fmspc, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal),
                usable.Where(f => f.Ppid is not null).GroupBy(f => f.Ppid!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal),
                usable.Select(f => f.Path).ToList().AsReadOnly(),
                usable.Select(f => f.Collateral!).ToList().AsReadOnly(),
                new SortedDictionary<string, string>(problems, StringComparer.Ordinal).AsReadOnly());
        }
    }
}
