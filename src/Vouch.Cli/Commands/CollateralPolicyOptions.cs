using System.CommandLine;
using System.Globalization;
using Vouch.Attestation.Collateral;

namespace Vouch.Cli.Commands;

/// <summary>
/// The collateral freshness options of <c>vouch provider create</c> and <c>vouch provider set-collateral-policy</c>,
/// read into a <see cref="CollateralPolicy"/> and checked with its own <see cref="CollateralPolicy.Problem"/> before
/// anything is sent, so a bad value is a usage error (exit 2), never a request.
/// </summary>
internal sealed class CollateralPolicyOptions
{
    private readonly Option<string> _update = new("--collateral-update") { Description = "Which TCB evaluation to verify against: standard (default) or early." };
    private readonly Option<string> _pinned = new("--tcb-evaluation-data-number") { Description = "Pin collateral of exactly this TCB evaluation data number (non-negative integer); overrides --collateral-update." };
    private readonly Option<string> _minimum = new("--min-tcb-evaluation-data-number") { Description = "Refuse TCB Info or QE Identity with a lower TCB evaluation data number." };
    private readonly Option<string> _maximumAge = new("--max-collateral-age") { Description = "Refuse TCB Info or QE Identity issued longer ago than this: ISO-8601 (P30D) or <n>d|h|m|s; whole seconds, at most ten years." };
    private readonly Option<string[]> _sources = new("--collateral-source") { Description = "A collateral source (by its configured name, e.g. source-1) to fetch from; repeat in order of preference. Default: all, in configured order.", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string> _grace = new("--collateral-grace") { Description = "Accept collateral up to this long past its nextUpdate, reported as expired: ISO-8601 or <n>d|h|m|s; whole seconds, at most ten years." };

    public void AddTo(Command command)
    {
        command.Options.Add(_update);
        command.Options.Add(_pinned);
        command.Options.Add(_minimum);
        command.Options.Add(_maximumAge);
        command.Options.Add(_grace);
        command.Options.Add(_sources);
    }

    /// <summary>The policy the options give; null when none is given.</summary>
    /// <exception cref="CliInputException">A value is malformed, or the policy is one a server refuses.</exception>
    public CollateralPolicy? Read(ParseResult parse)
    {
        var update = parse.GetValue(_update);
        var pinned = parse.GetValue(_pinned);
        var minimum = parse.GetValue(_minimum);
        var maximumAge = parse.GetValue(_maximumAge);
        var grace = parse.GetValue(_grace);
        var sources = parse.GetValue(_sources) ?? [];
        if (update is null && pinned is null && minimum is null && maximumAge is null && grace is null && sources.Length == 0)
        {
            return null;
        }

        var policy = new CollateralPolicy
        {
            Update = update?.ToLowerInvariant() switch
            {
                null or "standard" => CollateralUpdate.Standard,
                "early" => CollateralUpdate.Early,
                _ => throw new CliInputException($"--collateral-update is standard or early, not '{update}'"),
            },
            TcbEvaluationDataNumber = pinned is null ? null : Number(pinned, "--tcb-evaluation-data-number"),
            MinimumTcbEvaluationDataNumber = minimum is null ? null : Number(minimum, "--min-tcb-evaluation-data-number"),
            MaximumAge = maximumAge is null ? null : Seconds(maximumAge, "--max-collateral-age"),
            GracePeriod = grace is null ? TimeSpan.Zero : Seconds(grace, "--collateral-grace"),
            Sources = [.. sources],
        };
        return policy.Problem() is { } problem ? throw new CliInputException("the collateral policy is invalid: " + problem) : policy;
    }

    private static int Number(string text, string option) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new CliInputException($"{option} takes a non-negative integer, not '{text}'");

    private static TimeSpan Seconds(string text, string option)
    {
        var duration = CliInput.ParseDuration(text, option);
        return duration.Ticks % TimeSpan.TicksPerSecond == 0
            ? duration
            : throw new CliInputException($"{option} '{text}' is not a whole number of seconds");
    }
}
