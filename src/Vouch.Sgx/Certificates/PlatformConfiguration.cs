namespace Vouch.Sgx.Certificates;

/// <summary>
/// The Configuration field of the SGX extension (OID suffix .7), present in PCK certificates that
/// the Platform CA issues. Each flag is <see langword="null"/> when the certificate omits it.
/// </summary>
/// <param name="DynamicPlatform">.7.1 Dynamic Platform.</param>
/// <param name="CachedKeys">.7.2 Cached Keys.</param>
/// <param name="SmtEnabled">.7.3 SMT Enabled.</param>
public sealed record PlatformConfiguration(bool? DynamicPlatform, bool? CachedKeys, bool? SmtEnabled);
