using Vouch.Policy.Evaluation;
using Vouch.Policy.Syntax;

namespace Vouch.Policy.Semantics;

/// <summary>What the binder knows about an expression's type before evaluation.</summary>
internal enum StaticType
{
    Unknown,
    String,
    Integer,
    Boolean,
    Set,
}

/// <summary>An expression with its names resolved to slots and its JMESPath queries compiled.</summary>
internal abstract class BoundExpression(TextPosition position)
{
    public TextPosition Position { get; } = position;

    public abstract StaticType Type { get; }

    /// <summary>The value, or null for undefined. Never throws on data.</summary>
    public abstract ClaimValue? Evaluate(EvaluationContext context);
}

internal sealed class BoundLiteral(ClaimValue value, TextPosition position) : BoundExpression(position)
{
    public ClaimValue Value { get; } = value;

    public override StaticType Type => Value switch
    {
        StringClaimValue => StaticType.String,
        IntegerClaimValue => StaticType.Integer,
        BooleanClaimValue => StaticType.Boolean,
        _ => StaticType.Set,
    };

    public override ClaimValue? Evaluate(EvaluationContext context) => Value;
}

internal sealed class BoundPropertyAccess(int slot, ClaimProperty property, TextPosition position) : BoundExpression(position)
{
    public int Slot { get; } = slot;

    public ClaimProperty Property { get; } = property;

    public override StaticType Type => Property == ClaimProperty.Value ? StaticType.Unknown : StaticType.String;

    public override ClaimValue? Evaluate(EvaluationContext context)
    {
        var claim = context.Slots[Slot];
        return Property switch
        {
            ClaimProperty.Value => claim.Value,
            ClaimProperty.Type => new StringClaimValue(claim.Type),
            _ => new StringClaimValue(claim.Issuer),
        };
    }
}

internal sealed class BoundFunctionCall(PolicyFunction function, BoundExpression[] arguments, JmesPathQuery? query, TextPosition position) : BoundExpression(position)
{
    public PolicyFunction Function { get; } = function;

    public BoundExpression[] Arguments { get; } = arguments;

    public JmesPathQuery? Query { get; } = query;

    public override StaticType Type => PolicyFunctions.ResultType(Function);

    public override ClaimValue? Evaluate(EvaluationContext context) => PolicyFunctions.Invoke(this, context);
}

internal sealed class BoundTest(ClaimProperty property, ComparisonOperator op, BoundExpression operand)
{
    public ClaimProperty Property { get; } = property;

    public ComparisonOperator Operator { get; } = op;

    public BoundExpression Operand { get; } = operand;
}

internal sealed class BoundCondition(int slot, bool negated, string? typeKey, BoundTest[] tests)
{
    /// <summary>The slot the matching claim is bound to, or -1.</summary>
    public int Slot { get; } = slot;

    public bool Negated { get; } = negated;

    /// <summary>The claim type a literal <c>type==</c> test demands, used to skip other claims fast.</summary>
    public string? TypeKey { get; } = typeKey;

    public BoundTest[] Tests { get; } = tests;
}

internal abstract class BoundAction(TextPosition position)
{
    public TextPosition Position { get; } = position;
}

internal sealed class BoundPermit(TextPosition position) : BoundAction(position);

internal sealed class BoundDeny(TextPosition position) : BoundAction(position);

internal sealed class BoundClaimAction(ClaimActionKind kind, BoundExpression type, BoundExpression value, TextPosition position) : BoundAction(position)
{
    public ClaimActionKind Kind { get; } = kind;

    public BoundExpression Type { get; } = type;

    public BoundExpression Value { get; } = value;
}

internal sealed class BoundCopyAction(ClaimActionKind kind, int slot, TextPosition position) : BoundAction(position)
{
    public ClaimActionKind Kind { get; } = kind;

    public int Slot { get; } = slot;
}

internal sealed class BoundRule(SectionKind section, int number, BoundCondition[] conditions, BoundAction action, int slotCount, TextPosition position)
{
    public SectionKind Section { get; } = section;

    /// <summary>1-based position of the rule in its section.</summary>
    public int Number { get; } = number;

    public BoundCondition[] Conditions { get; } = conditions;

    public BoundAction Action { get; } = action;

    public int SlotCount { get; } = slotCount;

    public TextPosition Position { get; } = position;
}

internal sealed class BoundPolicy(BoundRule[] configuration, BoundRule[] authorization, BoundRule[] issuance)
{
    public BoundRule[] Configuration { get; } = configuration;

    public BoundRule[] Authorization { get; } = authorization;

    public BoundRule[] Issuance { get; } = issuance;

    public int MaxSlots { get; } = configuration.Concat(authorization).Concat(issuance).Select(r => r.SlotCount).DefaultIfEmpty(0).Max();
}
