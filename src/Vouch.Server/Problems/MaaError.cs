using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Vouch.Attestation.Errors;
using Vouch.Policy;
using Vouch.Sgx;

namespace Vouch.Server.Problems;

/// <summary>
/// MAA's error body (maa-protocol §1.4): <c>{"error":{"code":"&lt;MAA code&gt;","message":…,"innererror":{"code":"ATTnnnn","message":…}}}</c>.
/// MAA's <c>innererror</c> repeats the pair; Vouch puts its own stable code there, so MAA's clients see MAA's
/// code and Vouch's users can still tell every failure apart.
/// </summary>
public static class MaaError
{
    /// <summary>The response for a server-layer error.</summary>
    public static IResult Result(ServerErrorCode code, string message) =>
        Json(code.HttpStatus(), code.MaaCode(), code.Format(), message, null);

    /// <summary>The response for an engine error, with the failed checks or policy outcome attached.</summary>
    public static IResult Result(AttestationError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        JsonArray? details = null;
        if (!error.FailedChecks.IsDefaultOrEmpty)
        {
            details = [.. error.FailedChecks.Select(c => (JsonNode)new JsonObject
            {
                ["check"] = c.Check.ToString(),
                ["code"] = c.Code?.Format(),
                ["detail"] = c.Detail,
            })];
        }
        else if (error.QuoteError is { } quoteError)
        {
            details = [new JsonObject { ["code"] = quoteError.Format() }];
        }
        else if (error.PolicyError is { } policyError)
        {
            details = [new JsonObject { ["code"] = policyError.Format() }];
        }
        else if (!error.PolicyDiagnostics.IsDefaultOrEmpty)
        {
            details = [.. error.PolicyDiagnostics.Select(d => (JsonNode)new JsonObject
            {
                ["code"] = d.Code.Format(),
                ["line"] = d.Line,
                ["column"] = d.Column,
                ["message"] = d.Message,
            })];
        }

        return Json(error.HttpStatus, error.MaaCode, error.Code.Format(), error.Message, details);
    }

    /// <summary>The body as JSON text (for middleware that writes responses directly).</summary>
    public static JsonObject Body(string maaCode, string vouchCode, string message, JsonArray? details = null)
    {
        var inner = new JsonObject { ["code"] = vouchCode, ["message"] = message };
        if (details is not null)
        {
            inner["details"] = details;
        }

        return new JsonObject { ["error"] = new JsonObject { ["code"] = maaCode, ["message"] = message, ["innererror"] = inner } };
    }

    private static JsonHttpResult<JsonObject> Json(int status, string maaCode, string vouchCode, string message, JsonArray? details) =>
        TypedResults.Json(Body(maaCode, vouchCode, message, details), statusCode: status);
}
