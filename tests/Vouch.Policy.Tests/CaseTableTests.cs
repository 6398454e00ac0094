using Vouch.Policy.Tests.Support;

namespace Vouch.Policy.Tests;

/// <summary>Runs the data-driven tables in Cases/ (see the header of each file for its format).</summary>
public sealed class CaseTableTests
{
    public static TheoryData<int, string, string, string> ConditionCases()
    {
        var data = new TheoryData<int, string, string, string>();
        foreach (var (line, fields) in CaseFiles.Lines("conditions.cases"))
        {
            Assert.True(fields.Length == 3, $"conditions.cases:{line}: expected 3 fields");
            data.Add(line, fields[0], fields[1], fields[2]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ConditionCases))]
    public void Conditions_CaseTable_DecideAsListed(int line, string rule, string claims, string expected)
    {
        var policy = $"version=1.2;\nauthorizationrules {{\n    {rule}\n}};\nissuancerules {{ }};\n";
        var result = CaseFiles.EvaluateWithRoundTrip(policy, claims);
        var actual = result.IsAuthorized ? "permit" : result.Failure == PolicyErrorCode.Denied ? "deny" : result.Failure == PolicyErrorCode.NoPermit ? "nopermit" : result.Failure!.Value.Format();
        Assert.True(expected == actual, $"conditions.cases:{line}: expected {expected}, got {actual}");
        Assert.Empty(result.Warnings);
    }

    public static TheoryData<int, string, string, string, string, string> IssuanceCases()
    {
        var data = new TheoryData<int, string, string, string, string, string>();
        foreach (var (line, fields) in CaseFiles.Lines("issuance.cases"))
        {
            Assert.True(fields.Length >= 3, $"issuance.cases:{line}: expected at least 3 fields");
            var properties = fields.Skip(3).FirstOrDefault(f => f.StartsWith("properties ", StringComparison.Ordinal))?["properties ".Length..] ?? "{}";
            var warnings = fields.Skip(3).FirstOrDefault(f => f.StartsWith("warnings ", StringComparison.Ordinal))?["warnings ".Length..] ?? "";
            data.Add(line, fields[0], fields[1], fields[2], properties, warnings);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IssuanceCases))]
    public void Issuance_CaseTable_IssuesAsListed(int line, string rules, string claims, string issued, string properties, string warnings)
    {
        var policy = $"version=1.2;\nauthorizationrules {{ => permit(); }};\nissuancerules {{\n    {rules}\n}};\n";
        var result = CaseFiles.EvaluateWithRoundTrip(policy, claims);
        Assert.True(result.IsAuthorized, $"issuance.cases:{line}: not authorised: {result.Reason}");
        CaseFiles.JsonEqual(issued, CaseFiles.Json(result.IssuedClaims));
        CaseFiles.JsonEqual(properties, CaseFiles.Json(result.PropertyClaims));
        Assert.Equal(string.Join(",", Codes(warnings)), string.Join(",", result.Warnings.Select(w => w.Code.Format())));
    }

    public static TheoryData<string> PolicyCases()
    {
        var data = new TheoryData<string>();
        foreach (var block in CaseFiles.Blocks("policies.cases"))
        {
            data.Add(block.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PolicyCases))]
    public void Policies_CaseTable_EvaluateAsListed(string name)
    {
        var block = CaseFiles.Blocks("policies.cases").Single(b => b.Name == name);
        var result = CaseFiles.EvaluateWithRoundTrip(block.Policy, block.Field("claims", "{}"));
        var expect = block.Field("expect", "authorized");
        Assert.Equal(expect, result.IsAuthorized ? "authorized" : result.Failure!.Value.Format());
        CaseFiles.JsonEqual(block.Field("issued", "{}"), CaseFiles.Json(result.IssuedClaims));
        CaseFiles.JsonEqual(block.Field("properties", "{}"), CaseFiles.Json(result.PropertyClaims));
        Assert.Equal(string.Join(",", Codes(block.Field("warnings", ""))), string.Join(",", result.Warnings.Select(w => w.Code.Format())));
    }

    public static TheoryData<int, string, string> DiagnosticCases()
    {
        var data = new TheoryData<int, string, string>();
        foreach (var (line, fields) in CaseFiles.Lines("diagnostics.cases"))
        {
            Assert.True(fields.Length == 2, $"diagnostics.cases:{line}: expected 2 fields");
            data.Add(line, fields[0].Replace(CaseFiles.LineBreak, '\n'), fields[1]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DiagnosticCases))]
    public void Diagnostics_CaseTable_ReportCodesAtPositions(int line, string policy, string expected)
    {
        Assert.False(AttestationPolicy.TryCompile(policy, out var compiled, out var diagnostics), $"diagnostics.cases:{line}: compiled");
        Assert.Null(compiled);
        var actual = string.Join(" ", diagnostics.Select(d => $"{d.Code.Format()}@{d.Line}:{d.Column}"));
        Assert.True(expected == actual, $"diagnostics.cases:{line}: expected {expected}\n  actual {actual}\n  {string.Join("\n  ", diagnostics)}");
    }

    private static string[] Codes(string list) =>
        [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
