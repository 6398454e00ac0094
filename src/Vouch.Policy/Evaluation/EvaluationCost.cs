namespace Vouch.Policy.Evaluation;

/// <summary>
/// What each piece of work costs in evaluation steps (<see cref="PolicyLimits.MaxEvaluationSteps"/>).
/// Work is charged <em>before</em> it is done, from sizes known beforehand (the JSON text's length,
/// the parsed input's node count, a set's member count, the query's shape), so a call the budget cannot
/// pay for is never started. The rates are calibrated so that one step is at most about a microsecond
/// of CPU of the slowest kind of its work measured on the 2-core development machine under load
/// (parsing deeply nested arrays, nested JMESPath projections over them), which keeps a whole
/// evaluation at the default budget under 100 ms (docs/performance.md has the catalogue and figures).
/// </summary>
internal static class EvaluationCost
{
    /// <summary>Characters of JSON text parsed per step (deeply nested arrays and objects parse slowest).</summary>
    public const int ParsedCharsPerStep = 4;

    /// <summary>Characters of JSON output written, or of strings concatenated, per step.</summary>
    public const int WrittenCharsPerStep = 16;

    /// <summary>Input nodes per step for each node of a JMESPath query that can visit the whole input.</summary>
    public const int NodesPerStep = 1;

    /// <summary>Set members built, copied, hashed or compared per step.</summary>
    public const int MembersPerStep = 4;

    /// <summary>Characters of string values and member names counted as one node when sizing a JMESPath input.</summary>
    public const int CharsPerNode = 64;

    /// <summary>
    /// Extra steps for JSON text that does not parse: the parsers report failure by exception, which
    /// costs far more than a successful parse.
    /// </summary>
    public const int FailedParse = 25;

    /// <summary>Parsing (and sizing) <paramref name="length"/> characters of JSON text.</summary>
    public static long Parse(int length) => 1 + (length / ParsedCharsPerStep);

    /// <summary>Writing <paramref name="length"/> characters of JSON output.</summary>
    public static long Write(int length) => length / WrittenCharsPerStep;

    /// <summary>Building, copying or comparing <paramref name="members"/> set members.</summary>
    public static long Members(long members) => members / MembersPerStep;

    /// <summary>
    /// Running <paramref name="query"/> on an input of <paramref name="size"/> (see <see cref="Size(long, long)"/>).
    /// A path query (<see cref="JmesPathQuery.IsPath"/>) visits a bounded number of nodes; any other
    /// can visit every input node once per query node for each copy its multi-selects make
    /// (<see cref="JmesPathQuery.Growth"/>), and a sort log2(size) times over.
    /// </summary>
    public static long Query(JmesPathQuery query, long size)
    {
        if (query.IsPath)
        {
            return query.Nodes;
        }

        // In floating point and capped: limits raised by configuration must not overflow the product.
        var visits = (double)size * query.Nodes * query.Growth * (query.Sorts ? 1 + Math.Floor(Math.Log2(size + 1)) : 1);
        return query.Nodes + (long)Math.Min(visits / NodesPerStep, long.MaxValue / 4);
    }

    /// <summary>
    /// The size of a JMESPath input: one per JSON token (a value, a member name, the end of a container),
    /// plus one per <see cref="CharsPerNode"/> characters of its strings and member names (which
    /// sorting, joining and comparing read).
    /// </summary>
    public static long Size(long tokens, long characters) => tokens + (characters / CharsPerNode);

    /// <summary>The <see cref="Size(long, long)"/> of a claim value turned into JSON.</summary>
    public static long Size(ClaimValue value) => value switch
    {
        SetClaimValue set => 2 + set.Members.Sum(Size),
        StringClaimValue text => Size(1, text.Value.Length),
        _ => 1,
    };
}
