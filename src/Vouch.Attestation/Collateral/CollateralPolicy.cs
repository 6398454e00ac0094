using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Vouch.Attestation.Collateral;

/// <summary>Which of Intel's TCB evaluations a provider verifies against (dcap-verification §3.1, <c>update=</c>).</summary>
public enum CollateralUpdate
{
    /// <summary><c>update=standard</c>: the evaluation after the TCB-Recovery deadline (the PCS default).</summary>
    Standard,

    /// <summary><c>update=early</c>: the newest evaluation, ahead of the TCB-Recovery deadline.</summary>
    Early,
}

/// <summary>
/// A provider's declared freshness rules for collateral (issue 6, docs/collateral.md §Freshness): which evaluation it
/// asks for, and what it refuses. The defaults are Intel's: standard update, no pinned number, no minimum, no maximum
/// age, no grace after nextUpdate. Every token carries the effective values (<c>x-vouch-collateral-policy</c>).
/// </summary>
/// <threadsafety>Immutable.</threadsafety>
public sealed record CollateralPolicy
{
    /// <summary>The most a duration rule may be (ten years): longer is a mistake, not a policy.</summary>
    public static readonly TimeSpan MaximumDuration = TimeSpan.FromDays(3653);

    /// <summary>Intel's defaults: standard, nothing pinned, no minimum, no maximum age, no grace.</summary>
    public static CollateralPolicy Default { get; } = new();

    /// <summary>Early or standard TCB evaluation; ignored when <see cref="TcbEvaluationDataNumber"/> pins one.</summary>
    public CollateralUpdate Update { get; init; } = CollateralUpdate.Standard;

    /// <summary>
    /// An operator pin: fetch TCB Info and QE Identity of exactly this evaluation (<c>tcbEvaluationDataNumber=</c>),
    /// even when it is older than what the cache holds for the update types (the pinned copy is cached apart, so the
    /// rollback defence of the others is unaffected). Null: follow <see cref="Update"/>.
    /// </summary>
    public int? TcbEvaluationDataNumber { get; init; }

    /// <summary>Refuse TCB Info or QE Identity with a lower <c>tcbEvaluationDataNumber</c>. Null: no minimum.</summary>
    public int? MinimumTcbEvaluationDataNumber { get; init; }

    /// <summary>Refuse TCB Info or QE Identity issued longer ago than this at verification time. Null: no maximum.</summary>
    public TimeSpan? MaximumAge { get; init; }

    /// <summary>Accept TCB Info, QE Identity and CRLs up to this long past their nextUpdate, reported as expired. Default zero.</summary>
    public TimeSpan GracePeriod { get; init; }

    /// <summary>
    /// The names of the server's collateral sources this provider fetches from, in order of preference; empty: all of
    /// them in their configured order. Copies fetched for a list of sources are cached apart from the others, so a
    /// provider that follows a source with an older baseline (such as Azure THIM) is never refused its copies as a
    /// rollback because another provider's source is ahead.
    /// </summary>
    public ImmutableArray<string> Sources { get; init; } = [];

    /// <summary>The version of collateral this policy asks sources for.</summary>
    public CollateralVersion Version =>
        (TcbEvaluationDataNumber is { } pinned ? CollateralVersion.Pinned(pinned) : new CollateralVersion(Update, null))
        with
        { Sources = Sources.IsDefaultOrEmpty ? null : string.Join(',', Sources) };

    /// <inheritdoc />
    public bool Equals(CollateralPolicy? other) =>
        other is not null && Update == other.Update && TcbEvaluationDataNumber == other.TcbEvaluationDataNumber
        && MinimumTcbEvaluationDataNumber == other.MinimumTcbEvaluationDataNumber && MaximumAge == other.MaximumAge
        && GracePeriod == other.GracePeriod && Sources.AsSpan().SequenceEqual(other.Sources.AsSpan());

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Update, TcbEvaluationDataNumber, MinimumTcbEvaluationDataNumber, MaximumAge, GracePeriod, Sources.Length);

    /// <summary>Whether <paramref name="name"/> can name a collateral source: 1–32 characters of <c>a–z</c>, <c>0–9</c> and <c>-</c>, starting with a letter or digit.</summary>
    public static bool IsSourceName(string? name) =>
        name is { Length: >= 1 and <= 32 } && (char.IsAsciiLetterLower(name[0]) || char.IsAsciiDigit(name[0]))
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    /// <summary>Why this policy is unusable (negative or absurd values), or null when it is valid.</summary>
    public string? Problem() =>
        TcbEvaluationDataNumber is < 0 ? "the pinned tcbEvaluationDataNumber is negative"
        : MinimumTcbEvaluationDataNumber is < 0 ? "the minimum tcbEvaluationDataNumber is negative"
        : TcbEvaluationDataNumber is { } pin && MinimumTcbEvaluationDataNumber is { } min && pin < min ? "the pinned tcbEvaluationDataNumber is below the minimum"
        : MaximumAge is { } age && (age <= TimeSpan.Zero || age > MaximumDuration) ? "the maximum age must be positive and at most ten years"
        : GracePeriod < TimeSpan.Zero || GracePeriod > MaximumDuration ? "the grace period must be zero or positive and at most ten years"
        : !Enum.IsDefined(Update) ? "the update type is neither standard nor early"
        : !Sources.IsDefaultOrEmpty && (Sources.Length > 8 || !Sources.All(IsSourceName) || Sources.Distinct(StringComparer.Ordinal).Count() != Sources.Length)
            ? "the sources must be at most 8 distinct names of 1–32 characters of a–z, 0–9 and '-'"
        : null;

    /// <summary>
    /// The policy as JSON: <c>update</c> (<c>standard</c> or <c>early</c>), <c>tcbEvaluationDataNumber</c> (a pin, which
    /// overrides the update type), <c>minimumTcbEvaluationDataNumber</c>, <c>maximumAgeSeconds</c>, <c>sources</c> (each only
    /// when set) and <c>gracePeriodSeconds</c>. The admin API's shape, and the body of the token claim.
    /// </summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["update"] = Update == CollateralUpdate.Early ? "early" : "standard" };
        if (TcbEvaluationDataNumber is { } pinned)
        {
            json["tcbEvaluationDataNumber"] = pinned;
        }

        if (MinimumTcbEvaluationDataNumber is { } minimum)
        {
            json["minimumTcbEvaluationDataNumber"] = minimum;
        }

        if (MaximumAge is { } age)
        {
            json["maximumAgeSeconds"] = (long)age.TotalSeconds;
        }

        json["gracePeriodSeconds"] = (long)GracePeriod.TotalSeconds;
        if (!Sources.IsDefaultOrEmpty)
        {
            json["sources"] = new JsonArray([.. Sources.Select(n => (JsonNode)JsonValue.Create(n))]);
        }

        return json;
    }

    /// <summary>The token claim <c>x-vouch-collateral-policy</c>: <see cref="ToJson()"/> plus <c>allowExpired</c>, the provider's QvE-style acceptance of expired collateral.</summary>
    public JsonObject ToClaim(bool allowExpired)
    {
        var json = ToJson();
        json["allowExpired"] = allowExpired;
        return json;
    }
}

/// <summary>Which copy of a platform's TCB Info and QE Identity to fetch: an update type, or a pinned evaluation number, and from which sources.</summary>
/// <param name="Update">Early or standard (ignored when pinned).</param>
/// <param name="TcbEvaluationDataNumber">The pinned evaluation number, or null.</param>
public readonly record struct CollateralVersion(CollateralUpdate Update, int? TcbEvaluationDataNumber)
{
    /// <summary>The source names to fetch from, comma-separated in order of preference; null: every configured source in order.</summary>
    public string? Sources { get; init; }

    /// <summary><c>update=standard</c>.</summary>
    public static CollateralVersion Standard => new(CollateralUpdate.Standard, null);

    /// <summary><c>update=early</c>.</summary>
    public static CollateralVersion Early => new(CollateralUpdate.Early, null);

    /// <summary><c>tcbEvaluationDataNumber=<paramref name="number"/></c>.</summary>
    public static CollateralVersion Pinned(int number) => new(CollateralUpdate.Standard, number);

    /// <summary>The PCS query parameter selecting this version: <c>update=standard</c>, <c>update=early</c> or <c>tcbEvaluationDataNumber=n</c>.</summary>
    public string QueryParameter => TcbEvaluationDataNumber is { } n
        ? string.Create(CultureInfo.InvariantCulture, $"tcbEvaluationDataNumber={n}")
        : "update=" + (Update == CollateralUpdate.Early ? "early" : "standard");

    /// <summary><c>standard</c>, <c>early</c> or <c>tcb-evaluation-17</c>, then <c>@intel,thim</c> when sources are named: how the version appears in keys and status.</summary>
    public override string ToString() => (TcbEvaluationDataNumber is { } n
        ? string.Create(CultureInfo.InvariantCulture, $"tcb-evaluation-{n}")
        : Update == CollateralUpdate.Early ? "early" : "standard") + (Sources is null ? "" : "@" + Sources);

    /// <summary>Reads <see cref="ToString"/>'s form back.</summary>
    public static bool TryParse(string? text, out CollateralVersion version)
    {
        version = Standard;
        var at = text?.IndexOf('@', StringComparison.Ordinal) ?? -1;
        if (at >= 0)
        {
            var sources = text![(at + 1)..];
            if (sources.Length == 0 || !sources.Split(',').All(CollateralPolicy.IsSourceName) || !TryParse(text[..at], out var plain) || plain.Sources is not null)
            {
                return false;
            }

            version = plain with { Sources = sources };
            return true;
        }

        switch (text)
        {
            case "standard":
                return true;
            case "early":
                version = Early;
                return true;
            case not null when text.StartsWith("tcb-evaluation-", StringComparison.Ordinal)
                && int.TryParse(text.AsSpan("tcb-evaluation-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n):
                version = Pinned(n);
                return true;
            default:
                return false;
        }
    }
}
