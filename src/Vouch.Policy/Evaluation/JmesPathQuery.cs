using System.Diagnostics.CodeAnalysis;
using DevLab.JmesPath;
using DevLab.JmesPath.Expressions;
using DevLab.JmesPath.Interop;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Vouch.Policy.Evaluation;

/// <summary>
/// A JMESPath query checked and parsed once, at policy compile time, by JmesPath.Net. The check keeps
/// evaluation bounded: only the functions of the JMESPath specification (no JmesPath.Net extensions,
/// no <c>$</c>, <c>let</c> or variables, so a sub-expression only ever sees its own element), a
/// bounded text length, bracket nesting and node count, and a worst-case output growth factor, the
/// product of the widths of every multi-select list, multi-select hash and function call.
/// </summary>
internal sealed class JmesPathQuery
{
    /// <summary>The functions of the JMESPath specification (jmespath.org), the ones MAA documents.</summary>
    private static readonly HashSet<string> StandardFunctions = new(StringComparer.Ordinal)
    {
        "abs", "avg", "ceil", "contains", "ends_with", "floor", "join", "keys", "length", "map", "max",
        "max_by", "merge", "min", "min_by", "not_null", "reverse", "sort", "sort_by", "starts_with", "sum",
        "to_array", "to_number", "to_string", "type", "values",
    };

    // JmesPath.Net function objects keep per-call context, so one query runs on one thread at a time.
    private readonly Lock _gate = new();
    private readonly JmesPathExpression _expression;

    private JmesPathQuery(string text, JmesPathExpression expression, Inspector inspector)
    {
        Text = text;
        _expression = expression;
        Growth = (int)inspector.Growth;
        Nodes = inspector.Nodes;
        IsPath = inspector.IsPath;
        Sorts = inspector.Sorts;
    }

    public string Text { get; }

    /// <summary>Worst-case factor by which the output can exceed the input.</summary>
    public int Growth { get; }

    /// <summary>Nodes of the parsed query.</summary>
    public int Nodes { get; }

    /// <summary>
    /// Only field names, indexes, <c>@</c>, literals, pipes, parentheses and <c>||</c>/<c>&amp;&amp;</c>/<c>!</c>:
    /// the query visits a bounded number of input nodes whatever the input's size (no projection,
    /// filter, flatten, slice, function, multi-select or comparison).
    /// </summary>
    public bool IsPath { get; }

    /// <summary>The query calls <c>sort</c> or <c>sort_by</c>, which compare n log n times.</summary>
    public bool Sorts { get; }

    public static bool TryCreate(string text, PolicyLimits limits, [NotNullWhen(true)] out JmesPathQuery? query, out PolicyErrorCode code, out string message)
    {
        query = null;
        code = PolicyErrorCode.JmesPathTooCostly;
        if (text.Length > limits.MaxJmesPathLength)
        {
            message = $"the JMESPath query is {text.Length} characters long; the limit is {limits.MaxJmesPathLength}";
            return false;
        }

        if (Nesting(text) > limits.MaxJmesPathNesting)
        {
            message = $"the JMESPath query nests brackets deeper than {limits.MaxJmesPathNesting}";
            return false;
        }

        JmesPathExpression expression;
        try
        {
            expression = new JmesPath().Parse(text);
        }
#pragma warning disable CA1031 // The JMESPath parser reports syntax errors with several exception types; all mean "not a query".
        catch (Exception e)
#pragma warning restore CA1031
        {
            code = PolicyErrorCode.InvalidJmesPathQuery;
            message = "not a valid JMESPath query: " + e.Message;
            return false;
        }

        var inspector = new Inspector();
        expression.Accept(inspector);
        if (inspector.Unsupported is { } feature)
        {
            code = PolicyErrorCode.InvalidJmesPathQuery;
            message = $"the JMESPath query uses {feature}, which is not part of the JMESPath specification";
            return false;
        }

        if (inspector.Nodes > limits.MaxJmesPathNodes)
        {
            message = $"the JMESPath query has {inspector.Nodes} nodes; the limit is {limits.MaxJmesPathNodes}";
            return false;
        }

        if (inspector.Growth > limits.MaxJmesPathGrowth)
        {
            message = $"the JMESPath query can make its output up to {inspector.Growth} times larger than its input; the limit is {limits.MaxJmesPathGrowth}";
            return false;
        }

        query = new JmesPathQuery(text, expression, inspector);
        message = "";
        return true;
    }

    /// <summary>Runs the query; exceptions of the engine (type errors inside the query) propagate to the caller.</summary>
    public JToken Evaluate(JToken input)
    {
        lock (_gate)
        {
            return _expression.Transform(new JmesPathArgument(input)).AsJToken() ?? JValue.CreateNull();
        }
    }

    /// <summary>
    /// Parses JSON text with dates kept as strings and a depth limit, and sizes it on the way
    /// (<see cref="EvaluationCost.Size(long, long)"/>); null when it is not one JSON value.
    /// </summary>
    public static JmesPathInput? ParseJson(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.IsEmpty || !(trimmed[0] is '{' or '[' or '"' or '-' or 't' or 'f' or 'n' || char.IsAsciiDigit(trimmed[0])))
        {
            return null;
        }

        try
        {
            using var reader = new CountingReader(new StringReader(text))
            {
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Double,
                MaxDepth = 64,
            };
            var token = JToken.ReadFrom(reader);
            return reader.Read() ? null : new JmesPathInput(token, EvaluationCost.Size(reader.Tokens, reader.Characters));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static int Nesting(string text)
    {
        int depth = 0, max = 0;
        foreach (var c in text)
        {
            if (c is '[' or '(' or '{')
            {
                max = Math.Max(max, ++depth);
            }
            else if (c is ']' or ')' or '}')
            {
                depth = Math.Max(0, depth - 1);
            }
        }

        return max;
    }

    /// <summary>Counts the tokens and the characters of strings and member names as the parser reads them.</summary>
    private sealed class CountingReader(TextReader reader) : JsonTextReader(reader)
    {
        public long Tokens { get; private set; }

        public long Characters { get; private set; }

        public override bool Read()
        {
            if (!base.Read())
            {
                return false;
            }

            Tokens++;
            if (Value is string text)
            {
                Characters += text.Length;
            }

            return true;
        }
    }

    private sealed class Inspector : IVisitor
    {
        public int Nodes { get; private set; }

        public long Growth { get; private set; } = 1;

        public string? Unsupported { get; private set; }

        public bool IsPath { get; private set; } = true;

        public bool Sorts { get; private set; }

        public void Visit(JmesPathExpression expression)
        {
            Nodes++;
            // The parser wraps every query in an internal JmesPathRootExpression, the first node visited.
            IsPath &= (Nodes == 1 && expression.GetType().Name == "JmesPathRootExpression") || expression is JmesPathIdentifier or JmesPathSubExpression or JmesPathIndexExpression or JmesPathIndex
                or JmesPathCurrentNodeExpression or JmesPathLiteral or JmesPathRawString or JmesPathPipeExpression
                or JmesPathOrExpression or JmesPathAndExpression or JmesPathNotExpression or JmesParenExpression;
            switch (expression)
            {
                case JmesPathMultiSelectList list:
                    Multiply(list.Expressions.Length);
                    break;
                case JmesPathMultiSelectHash hash:
                    Multiply(hash.Dictionary.Count);
                    break;
                case JmesPathFunctionExpression function:
                    if (!StandardFunctions.Contains(function.Name))
                    {
                        Unsupported ??= $"the function {function.Name}()";
                    }

                    Multiply(function.Arguments.Length);
                    Sorts |= function.Name is "sort" or "sort_by";
                    break;
                case JmesPathRootNodeExpression:
                    Unsupported ??= "the root reference '$'";
                    break;
                case JmesPathLetExpression:
                    Unsupported ??= "a let expression";
                    break;
                case JmesPathVariableReference:
                    Unsupported ??= "a variable reference";
                    break;
                case JmesPathArithmeticExpression:
                    Unsupported ??= "arithmetic";
                    break;
            }
        }

        private void Multiply(int width) => Growth = Math.Min(Growth * Math.Max(1, width), int.MaxValue);
    }
}
