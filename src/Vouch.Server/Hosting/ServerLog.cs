namespace Vouch.Server.Hosting;

/// <summary>The server's log events (source-generated; never a secret in any argument).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Warning, "SIMULATED TRUST: provider '{Provider}' accepts quotes chaining to the simulated Intel TEST root {KeyId} from {Directory}. Its tokens name that root in x-vouch-trust-anchor-key-id; never use this configuration in production.")]
    public static partial void SimulatedTrustEnabled(this ILogger logger, string provider, string keyId, string directory);

    [LoggerMessage(2, LogLevel.Information, "Created provider '{Provider}' ({TrustMode}, {Algorithm}) with issuer {Issuer}")]
    public static partial void ProviderCreated(this ILogger logger, string provider, string trustMode, string algorithm, string issuer);

    [LoggerMessage(3, LogLevel.Information, "Signing key {Kid} created for provider '{Provider}'; it signs from {ActivatesAt:O}")]
    public static partial void SigningKeyCreated(this ILogger logger, string kid, string provider, DateTimeOffset activatesAt);

    [LoggerMessage(4, LogLevel.Information, "Administrator token created; it was printed once and is kept in {File} (only its SHA-256 is in the database)")]
    public static partial void AdminTokenCreated(this ILogger logger, string file);

    [LoggerMessage(5, LogLevel.Warning, "Collateral folder {Folder} skipped: {Reason}")]
    public static partial void CollateralFolderSkipped(this ILogger logger, string folder, string reason);

    [LoggerMessage(6, LogLevel.Error, "Unhandled error serving {Method} {Path}")]
    public static partial void UnhandledError(this ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(40, LogLevel.Information, "Refused {Method} {Path}: HTTP {Status}, the request could not be read ({Reason})")]
    public static partial void RequestUnreadable(this ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(7, LogLevel.Error, "Signing-key maintenance failed for provider '{Provider}'")]
    public static partial void KeyMaintenanceFailed(this ILogger logger, Exception exception, string provider);

    [LoggerMessage(8, LogLevel.Information, "Vouch is serving; public URL {PublicUrl}, data in {DataDirectory}, TLS certificate {Certificate}")]
    public static partial void Serving(this ILogger logger, string publicUrl, string dataDirectory, string certificate);

    [LoggerMessage(9, LogLevel.Information, "Collateral refresher: this replica ({Holder}) holds the refresh lease")]
    public static partial void CollateralLeaseTaken(this ILogger logger, string holder);

    [LoggerMessage(10, LogLevel.Information, "Collateral refresh: {Prefetched} platform(s) prefetched, {Refreshed} cached cop(ies) asked for again, {Loaded} taken in from the store")]
    public static partial void CollateralRefreshed(this ILogger logger, int prefetched, int refreshed, int loaded);

    [LoggerMessage(11, LogLevel.Warning, "Collateral for {Key} is not current: {Problem}")]
    public static partial void CollateralProblem(this ILogger logger, string key, string problem);

    [LoggerMessage(12, LogLevel.Error, "Collateral refresh failed")]
    public static partial void CollateralRefreshFailed(this ILogger logger, Exception exception);

    [LoggerMessage(13, LogLevel.Warning, "Provider '{Provider}' pins tcbEvaluationDataNumber {Number}, which Intel's TCB Evaluation Data Numbers no longer list: sources will answer 410 once the cached copy is due")]
    public static partial void PinnedEvaluationNotServed(this ILogger logger, string provider, int number);
}
