using System.Globalization;
using System.Text;
using Vouch.Policy.Evaluation;

namespace Vouch.Policy.Tests.Support;

/// <summary>
/// Policies built to spend as much CPU per evaluation as the language allows, each with the runtime
/// data (the <c>x-ms-runtime</c> claim an unauthenticated caller controls) that hurts it most. Shared by
/// the time-bound test (<c>PolicyCostTests</c>) and the benchmark (<c>PolicyCostBenchmarks</c>); the
/// catalogue and the measured figures are in docs/performance.md.
/// </summary>
public static class PathologicalPolicies
{
    /// <summary>The incoming claim type the data is given under.</summary>
    public const string Runtime = "x-ms-runtime";

    /// <summary>One mebibyte: the runtime-data size the catalogue is measured at.</summary>
    public const int Mebibyte = 1 << 20;

    /// <summary>The largest JSON text a function accepts (<see cref="PolicyLimits.MaxJsonLength"/>): the worst size for most entries.</summary>
    public static int LargestAccepted => PolicyLimits.Default.MaxJsonLength;

    /// <summary>The catalogue, by name.</summary>
    public static IReadOnlyDictionary<string, Entry> All { get; } = Build().ToDictionary(e => e.Name, StringComparer.Ordinal);

    /// <summary>The names, for theory and benchmark parameters.</summary>
    public static IEnumerable<string> Names => All.Keys;

    /// <summary>A pathological policy and the shape of runtime data it is run on.</summary>
    /// <param name="Name">Short name.</param>
    /// <param name="Policy">The policy text.</param>
    /// <param name="Data">Makes runtime data of (about, never more than) the given number of characters.</param>
    public sealed record Entry(string Name, string Policy, Func<int, string> Data)
    {
        /// <summary>The incoming claims: the runtime data and a few SGX-like claims beside it.</summary>
        public Claim[] Claims(int size) =>
        [
            new(Runtime, ClaimValue.Of(Data(size))),
            new("x-ms-sgx-mrsigner", ClaimValue.Of(new string('a', 64))),
            new("x-ms-sgx-mrenclave", ClaimValue.Of(new string('b', 64))),
            new("x-ms-sgx-svn", ClaimValue.Of(1)),
            new("x-ms-sgx-product-id", ClaimValue.Of(1)),
            new("x-ms-sgx-is-debuggable", ClaimValue.Of(false)),
        ];
    }

    private static IEnumerable<Entry> Build()
    {
        // The three reproductions of issue 11 item 7.
        yield return new("sort-x200", Repeat(200, "JmesPath(c.value, \"sort(@)\")"), Numbers);
        yield return new("projection-x200", Repeat(200, "JmesPath(c.value, \"a[*].n[*]\")"), Nested);
        yield return new("length-x400", Repeat(400, "JmesPath(c.value, \"length(@)\")"), Numbers);

        // Other ways to make one JMESPath call costly.
        yield return new("growth-16-x100", Repeat(100, "JmesPath(c.value, \"[*].[@,@,@,@] | [*].[@,@,@,@]\")"), Strings);
        yield return new("sort-by-to-string-x100", Repeat(100, "JmesPath(c.value, \"sort_by(@, &to_string(@))\")"), Numbers);
        yield return new("to-string-x200", Repeat(200, "JmesPath(c.value, \"to_string(@)\")"), Strings);
        yield return new("identity-x400", Repeat(400, "JmesPath(c.value, \"@\")"), Numbers);
        yield return new("filter-x200", Repeat(200, "JmesPath(c.value, \"[?@ == `0`]\")"), Numbers);
        yield return new("keys-merge-x200", Repeat(200, "JmesPath(c.value, \"sort(keys(merge(@, @)))\")"), Object);
        yield return new("join-x200", Repeat(200, "JmesPath(c.value, \"join(',', @)\")"), Strings);
        yield return new("deep-equal-x200", Repeat(200, "JmesPath(c.value, \"@ == @\")"), Nested);
        yield return new("flatten-x200", Repeat(200, "JmesPath(c.value, \"[][][][]\")"), Deep);

        // Outputs fed back in (a fresh string each time, so no parse is shared), and text that fails to parse late.
        yield return new("reparse-x200", Repeat(200, "JmesPath(JmesPath(c.value, \"@\"), \"@\")"), Numbers);
        yield return new("unparsable-x400", Repeat(400, "JmesPath(c.value, \"@\")"), size => Numbers(size)[..^1]);
        yield return new("unparsable-set-x400", Repeat(400, "JsonToClaimValue(c.value)"), size => Numbers(size)[..^1]);

        // Sets: building them, and comparing two large ones.
        yield return new("subset-x100", Repeat(100, "IsSubsetOf(JsonToClaimValue(c.value), JsonToClaimValue(c.value))"), Numbers);
        yield return new("contains-only-x400", Repeat(400, "ContainsOnlyValue(JsonToClaimValue(c.value), 0)"), Zeros);
        yield return new("set-to-jmespath-x200", Repeat(200, "JmesPath(JsonToClaimValue(c.value), \"sort(@)\")"), Numbers);

        // A function in a condition runs once per claim examined.
        yield return new("condition-operand", Policy(string.Concat(Enumerable.Range(0, 50).Select(i =>
            $"    c:[type==\"{Runtime}\"] && d:[value==JmesPath(c.value, \"sort(@)\")] => add(type=\"r{i}\", value=1);\n"))), Numbers);

        // No JSON at all: combinatorics and string growth.
        yield return new("cross-product", Policy("    " + string.Join(" && ", Enumerable.Range(0, 32).Select(i => $"c{i}:[]")) + " => add(type=\"x\", value=c0.value);\n"), Numbers);
        yield return new("claim-doubling", Policy(string.Concat(Enumerable.Repeat("    c:[] => add(type=\"n\", value=c.type);\n", 40))), Numbers);
        yield return new("append-doubling", Policy("    => add(type=\"s\", value=\"0123456789abcdef\");\n" + string.Concat(Enumerable.Repeat("    c:[type==\"s\"] => add(type=\"s\", value=AppendString(c.value, c.value));\n", 40))), Numbers);
    }

    private static string Policy(string issuance) =>
        "version=1.2;\nauthorizationrules { => permit(); };\nissuancerules {\n" + issuance + "};\n";

    private static string Repeat(int count, string expression) =>
        Policy(string.Concat(Enumerable.Range(0, count).Select(i => $"    c:[type==\"{Runtime}\"] => add(type=\"r{i}\", value={expression});\n")));

    /// <summary><c>[0,1,2,…]</c>: the most values per character, all distinct.</summary>
    private static string Numbers(int size) => Array(size, i => i.ToString(CultureInfo.InvariantCulture));

    /// <summary><c>[0,0,0,…]</c>.</summary>
    private static string Zeros(int size) => Array(size, _ => "0");

    /// <summary><c>["a0","a1",…]</c>.</summary>
    private static string Strings(int size) => Array(size, i => "\"a" + i.ToString(CultureInfo.InvariantCulture) + "\"");

    /// <summary><c>{"a":[{"n":[0,0,0,0,0,0,0,0]},…]}</c>.</summary>
    private static string Nested(int size) => "{\"a\":" + Array(size - 6, _ => "{\"n\":[0,0,0,0,0,0,0,0]}") + "}";

    /// <summary><c>{"k0":0,"k1":0,…}</c>.</summary>
    private static string Object(int size) => "{" + Items(size - 2, i => "\"k" + i.ToString(CultureInfo.InvariantCulture) + "\":0") + "}";

    /// <summary><c>[[[[[0]]]],[[[[0]]]],…]</c>: many short nested arrays.</summary>
    private static string Deep(int size) => Array(size, _ => "[[[[0]]]]");

    private static string Array(int size, Func<int, string> item) => "[" + Items(size - 2, item) + "]";

    private static string Items(int size, Func<int, string> item)
    {
        var text = new StringBuilder(size);
        for (var i = 0; ; i++)
        {
            var next = item(i);
            if (text.Length + next.Length + (i > 0 ? 1 : 0) > size)
            {
                return text.ToString();
            }

            text.Append(i > 0 ? "," : "").Append(next);
        }
    }
}
