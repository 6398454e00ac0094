using System.Globalization;
using System.Text.Json.Nodes;

namespace Vouch.Sgx.Verification;

/// <summary>
/// The JSON shape of a <see cref="VerificationReport"/> (the <c>vouch quote verify --json</c> contract):
/// <c>verified</c>, <c>tcbStatus</c>, <c>advisoryIds</c> and <c>tcbDate</c> (both matched levels'; each level's in
/// <c>platformAdvisoryIds</c>, <c>qeAdvisoryIds</c>, <c>platformTcbDate</c>, <c>qeTcbDate</c>), <c>errors</c> of <c>{code, check, message}</c>,
/// <c>checks</c> of <c>{name, stage, result, code?, detail?}</c>, <c>quote</c> facts, <c>pck</c> facts,
/// <c>collateralExpired</c> and the collateral validity window.
/// </summary>
public static class VerificationReportJson
{
    /// <summary>Builds the JSON object for <paramref name="report"/>.</summary>
    public static JsonObject ToJson(VerificationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var json = new JsonObject
        {
            ["verified"] = report.Verified,
            ["verifiedAt"] = Iso(report.VerifiedAt),
            ["tcbStatus"] = report.TcbStatus?.ToIntelString(),
            ["platformTcbStatus"] = report.PlatformTcbStatus?.ToIntelString(),
            ["qeTcbStatus"] = report.QeTcbStatus?.ToIntelString(),
            ["advisoryIds"] = Strings(report.AdvisoryIds),
            ["tcbDate"] = report.TcbDate is { } d ? Iso(d) : null,
            ["platformTcbDate"] = report.Tcb is { } tcb ? Iso(tcb.PlatformTcbDate) : null,
            ["qeTcbDate"] = report.Tcb is { } qeTcb ? Iso(qeTcb.QeTcbDate) : null,
            ["platformAdvisoryIds"] = Strings(report.Tcb?.PlatformAdvisoryIds ?? []),
            ["qeAdvisoryIds"] = Strings(report.Tcb?.QeAdvisoryIds ?? []),
            ["tcbEvaluationDataNumber"] = report.TcbEvaluationDataNumber,
            ["qeIdentityTcbEvaluationDataNumber"] = report.QeIdentityTcbEvaluationDataNumber,
            ["collateralExpired"] = report.CollateralExpired,
            ["collateralValidity"] = report.CollateralWindow is { } w
                ? new JsonObject { ["notBefore"] = Iso(w.NotBefore), ["notAfter"] = Iso(w.NotAfter) }
                : null,
            ["trustAnchorKeyId"] = report.TrustAnchorKeyId,
            ["errors"] = new JsonArray([.. report.Failures.Select(f => (JsonNode?)new JsonObject
            {
                ["code"] = f.Code?.Format(),
                ["check"] = f.Check.ToString(),
                ["message"] = f.Detail,
            })]),
            ["checks"] = new JsonArray([.. report.Checks.Select(c =>
            {
                var o = new JsonObject
                {
                    ["name"] = c.Check.ToString(),
                    ["stage"] = c.Check.StageOf().ToString(),
                    ["result"] = c.Result.ToString(),
                };
                if (c.Code is { } code)
                {
                    o["code"] = code.Format();
                }

                if (c.Detail is { } detail)
                {
                    o["detail"] = detail;
                }

                return (JsonNode?)o;
            })]),
        };

        if (report.Quote is { } q)
        {
            json["quote"] = new JsonObject
            {
                ["version"] = q.Version,
                ["teeType"] = q.TeeType,
                ["mrEnclave"] = q.MrEnclave,
                ["mrSigner"] = q.MrSigner,
                ["isvProdId"] = q.IsvProdId,
                ["isvSvn"] = q.IsvSvn,
                ["attributes"] = q.Attributes,
                ["debug"] = q.Debug,
                ["reportData"] = q.ReportData,
                ["qeIsvSvn"] = q.QeIsvSvn,
            };
        }

        if (report.Pck is { } p)
        {
            json["pck"] = new JsonObject
            {
                ["fmspc"] = p.Fmspc,
                ["pceId"] = p.PceId,
                ["tcbComponents"] = new JsonArray([.. p.TcbComponents.Select(c => (JsonNode?)JsonValue.Create(c))]),
                ["pceSvn"] = p.PceSvn,
                ["cpuSvn"] = p.CpuSvn,
                ["ppid"] = p.Ppid,
                ["sgxType"] = p.SgxType,
                ["issuer"] = p.IssuerCommonName,
            };
        }

        return json;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
