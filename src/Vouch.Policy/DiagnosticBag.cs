using System.Collections.Immutable;
using Vouch.Policy.Syntax;

namespace Vouch.Policy;

/// <summary>Collects diagnostics up to <see cref="PolicyLimits.MaxDiagnostics"/>, then one <see cref="PolicyErrorCode.TooManyDiagnostics"/>.</summary>
internal sealed class DiagnosticBag(PolicyLimits limits)
{
    private readonly List<PolicyDiagnostic> _items = [];
    private bool _overflowed;

    public int Count => _items.Count;

    public bool IsFull => _overflowed;

    public void Add(PolicyErrorCode code, string message, TextPosition at) => Add(new PolicyDiagnostic(code, message, at.Line, at.Column));

    public void Add(PolicyDiagnostic diagnostic)
    {
        if (_overflowed)
        {
            return;
        }

        if (_items.Count >= limits.MaxDiagnostics)
        {
            _overflowed = true;
            _items.Add(new PolicyDiagnostic(PolicyErrorCode.TooManyDiagnostics, $"more than {limits.MaxDiagnostics} problems; the rest are not reported", diagnostic.Line, diagnostic.Column));
            return;
        }

        _items.Add(diagnostic);
    }

    public ImmutableArray<PolicyDiagnostic> ToImmutable() =>
        [.. _items.OrderBy(d => d.Line).ThenBy(d => d.Column).ThenBy(d => (int)d.Code)];
}
