namespace Vouch.Simulator.Authority;

/// <summary>Intel's TCB level statuses (dcap-verification §2.8), named as in TCB Info and QE Identity JSON.</summary>
public enum TcbLevelStatus
{
    /// <summary>"UpToDate".</summary>
    UpToDate,
    /// <summary>"SWHardeningNeeded".</summary>
    SWHardeningNeeded,
    /// <summary>"ConfigurationNeeded".</summary>
    ConfigurationNeeded,
    /// <summary>"ConfigurationAndSWHardeningNeeded".</summary>
    ConfigurationAndSWHardeningNeeded,
    /// <summary>"OutOfDate".</summary>
    OutOfDate,
    /// <summary>"OutOfDateConfigurationNeeded".</summary>
    OutOfDateConfigurationNeeded,
    /// <summary>"Revoked".</summary>
    Revoked,
}

/// <summary>Intel names and the convergence rule for <see cref="TcbLevelStatus"/>.</summary>
public static class TcbLevelStatuses
{
    /// <summary>Intel's JSON spelling (the enum member name).</summary>
    public static string ToIntelName(this TcbLevelStatus status) => status switch
    {
        TcbLevelStatus.UpToDate => "UpToDate",
        TcbLevelStatus.SWHardeningNeeded => "SWHardeningNeeded",
        TcbLevelStatus.ConfigurationNeeded => "ConfigurationNeeded",
        TcbLevelStatus.ConfigurationAndSWHardeningNeeded => "ConfigurationAndSWHardeningNeeded",
        TcbLevelStatus.OutOfDate => "OutOfDate",
        TcbLevelStatus.OutOfDateConfigurationNeeded => "OutOfDateConfigurationNeeded",
        TcbLevelStatus.Revoked => "Revoked",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    /// <summary>Parses Intel's spelling exactly.</summary>
    public static bool TryParse(string? name, out TcbLevelStatus status)
    {
        foreach (var candidate in Enum.GetValues<TcbLevelStatus>())
        {
            if (candidate.ToIntelName() == name)
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }

    /// <summary>
    /// Intel QVL's convergence of the platform status with the QE status (dcap-verification §2.8): a revoked
    /// QE revokes; an out-of-date QE makes UpToDate/SWHardeningNeeded OutOfDate and the configuration
    /// statuses OutOfDateConfigurationNeeded.
    /// </summary>
    public static TcbLevelStatus Converge(TcbLevelStatus platform, TcbLevelStatus qe) => qe switch
    {
        TcbLevelStatus.Revoked => TcbLevelStatus.Revoked,
        TcbLevelStatus.OutOfDate => platform switch
        {
            TcbLevelStatus.UpToDate or TcbLevelStatus.SWHardeningNeeded => TcbLevelStatus.OutOfDate,
            TcbLevelStatus.ConfigurationNeeded or TcbLevelStatus.ConfigurationAndSWHardeningNeeded => TcbLevelStatus.OutOfDateConfigurationNeeded,
            _ => platform,
        },
        _ => platform,
    };
}
