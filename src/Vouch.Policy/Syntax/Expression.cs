using System.Collections.Immutable;

namespace Vouch.Policy.Syntax;

/// <summary>A value-producing expression: a literal, a bound claim's property, or a function call.</summary>
/// <param name="Position">Where the expression starts.</param>
public abstract record Expression(TextPosition Position);

/// <summary>A string literal (the unescaped value).</summary>
/// <param name="Value">The string.</param>
/// <param name="Position">Where it starts.</param>
public sealed record StringLiteral(string Value, TextPosition Position) : Expression(Position);

/// <summary>An integer literal.</summary>
/// <param name="Value">The value.</param>
/// <param name="Position">Where it starts.</param>
public sealed record IntegerLiteral(long Value, TextPosition Position) : Expression(Position);

/// <summary><c>true</c> or <c>false</c>.</summary>
/// <param name="Value">The value.</param>
/// <param name="Position">Where it starts.</param>
public sealed record BooleanLiteral(bool Value, TextPosition Position) : Expression(Position);

/// <summary><c>c.type</c>, <c>c.value</c> or <c>c.issuer</c> of a claim bound earlier in the rule.</summary>
/// <param name="Binding">The bound name.</param>
/// <param name="Property">The property read.</param>
/// <param name="Position">Where it starts.</param>
public sealed record PropertyAccess(string Binding, ClaimProperty Property, TextPosition Position) : Expression(Position);

/// <summary><c>Name(arg, …)</c> (1.2).</summary>
/// <param name="Name">The function name as written.</param>
/// <param name="Arguments">The arguments.</param>
/// <param name="Position">Where it starts.</param>
public sealed record FunctionCall(string Name, ImmutableArray<Expression> Arguments, TextPosition Position) : Expression(Position);
