namespace Vouch.Sgx.Verification;

/// <summary>
/// Intel's TCB statuses, with the JSON strings of TCB Info and QE Identity levels
/// (dcap-verification §2.8). The numeric order is the severity ladder, used only for display.
/// </summary>
public enum TcbStatus
{
    /// <summary>The platform TCB is current.</summary>
    UpToDate,
    /// <summary>TCB current; enclaves need software mitigations for the listed advisories.</summary>
    SWHardeningNeeded,
    /// <summary>TCB current; platform configuration needs to change.</summary>
    ConfigurationNeeded,
    /// <summary>Both of the above.</summary>
    ConfigurationAndSWHardeningNeeded,
    /// <summary>A microcode or firmware update is needed.</summary>
    OutOfDate,
    /// <summary>An update and a configuration change are needed.</summary>
    OutOfDateConfigurationNeeded,
    /// <summary>The TCB level is revoked.</summary>
    Revoked,
}

/// <summary>Parsing, printing and Intel's convergence rule for <see cref="TcbStatus"/>.</summary>
public static class TcbStatuses
{
    /// <summary>Maps Intel's JSON string (exact, case-sensitive) to a status.</summary>
    public static bool TryParse(string? text, out TcbStatus status)
    {
        switch (text)
        {
            case "UpToDate": status = TcbStatus.UpToDate; return true;
            case "SWHardeningNeeded": status = TcbStatus.SWHardeningNeeded; return true;
            case "ConfigurationNeeded": status = TcbStatus.ConfigurationNeeded; return true;
            case "ConfigurationAndSWHardeningNeeded": status = TcbStatus.ConfigurationAndSWHardeningNeeded; return true;
            case "OutOfDate": status = TcbStatus.OutOfDate; return true;
            case "OutOfDateConfigurationNeeded": status = TcbStatus.OutOfDateConfigurationNeeded; return true;
            case "Revoked": status = TcbStatus.Revoked; return true;
            default: status = default; return false;
        }
    }

    /// <summary>Intel's JSON name of the status.</summary>
    public static string ToIntelString(this TcbStatus status) => status switch
    {
        TcbStatus.UpToDate => "UpToDate",
        TcbStatus.SWHardeningNeeded => "SWHardeningNeeded",
        TcbStatus.ConfigurationNeeded => "ConfigurationNeeded",
        TcbStatus.ConfigurationAndSWHardeningNeeded => "ConfigurationAndSWHardeningNeeded",
        TcbStatus.OutOfDate => "OutOfDate",
        TcbStatus.OutOfDateConfigurationNeeded => "OutOfDateConfigurationNeeded",
        TcbStatus.Revoked => "Revoked",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    /// <summary>
    /// Converges the platform TCB status with the QE Identity TCB status exactly as Intel QVL's
    /// <c>convergeTcbStatusWithQeTcbStatus</c> (dcap-verification §2.8): not "worst wins". A QE that is
    /// OutOfDate turns UpToDate/SWHardeningNeeded into OutOfDate and the configuration statuses into
    /// OutOfDateConfigurationNeeded; a revoked QE revokes everything.
    /// </summary>
    public static TcbStatus Converge(TcbStatus platform, TcbStatus qe) => qe switch
    {
        TcbStatus.Revoked => TcbStatus.Revoked,
        TcbStatus.OutOfDate => platform switch
        {
            TcbStatus.UpToDate or TcbStatus.SWHardeningNeeded => TcbStatus.OutOfDate,
            TcbStatus.ConfigurationNeeded or TcbStatus.ConfigurationAndSWHardeningNeeded => TcbStatus.OutOfDateConfigurationNeeded,
            _ => platform,
        },
        _ => platform,
    };
}
