using System.Globalization;
using Vouch.Attestation.Errors;

namespace Vouch.Server.Problems;

/// <summary>
/// Stable error codes of the HTTP layer (8xxx): what is wrong with a request before the engine sees it.
/// Documented one row per code in <c>docs/errors.md</c>; numbers are never reused.
/// </summary>
public enum ServerErrorCode
{
    /// <summary>The request body is larger than <c>Vouch:Limits:MaxRequestBodyBytes</c>.</summary>
    RequestBodyTooLarge = 8001,
    /// <summary>The body is not JSON, or not the JSON value the route takes.</summary>
    RequestBodyMalformed = 8002,
    /// <summary>The JSON nests deeper than <c>Vouch:Limits:MaxJsonDepth</c>.</summary>
    RequestJsonTooDeep = 8003,
    /// <summary>A binary member is not base64url (or base64).</summary>
    Base64Invalid = 8004,
    /// <summary>The evidence member (<c>quote</c> or <c>report</c>) is missing or not a string.</summary>
    EvidenceMissing = 8005,
    /// <summary>The decoded evidence is larger than <c>Vouch:Limits:MaxEvidenceBytes</c>.</summary>
    EvidenceTooLarge = 8006,
    /// <summary>The <c>api-version</c> query parameter is missing.</summary>
    ApiVersionMissing = 8007,
    /// <summary>The <c>api-version</c> is not one MAA has published.</summary>
    ApiVersionUnsupported = 8008,
    /// <summary>The attestation type in <c>/policies/{type}</c> is not SgxEnclave, OpenEnclave or Tpm.</summary>
    AttestationTypeUnknown = 8009,
    /// <summary>No provider of that name.</summary>
    ProviderNotFound = 8010,
    /// <summary>No valid credentials for a management operation.</summary>
    Unauthorized = 8011,
    /// <summary>Valid credentials without the policy administrator role.</summary>
    Forbidden = 8012,
    /// <summary>A request member has the wrong JSON type or value (e.g. <c>dataType</c>, <c>nonce</c>), or appears twice.</summary>
    RequestMemberInvalid = 8013,
    /// <summary>A provider of that name already exists.</summary>
    ProviderExists = 8014,
    /// <summary>The provider name is not 1–48 characters of <c>[a-z0-9-]</c> starting with a letter.</summary>
    ProviderNameInvalid = 8015,
    /// <summary>The provider definition is inconsistent (e.g. isolated without a signer, an unknown algorithm, a bad certificate).</summary>
    ProviderDefinitionInvalid = 8016,
    /// <summary>No such route.</summary>
    RouteNotFound = 8017,
    /// <summary>The route exists but not for this HTTP method.</summary>
    MethodNotAllowed = 8018,
    /// <summary>The attestation type is stored but not attested by Vouch (<c>/attest/Tpm</c>).</summary>
    AttestationTypeNotSupported = 8019,
    /// <summary>A collateral administration route that needs a PCS source (<c>Vouch:CollateralSources</c>) on a server without one.</summary>
    CollateralSourceNotConfigured = 8020,
    /// <summary>A collateral administration request names a platform or version Vouch cannot read, has an unknown member, or asks for too much at once.</summary>
    CollateralRequestInvalid = 8021,
    /// <summary>An isolated provider would be created with no policy signer certificate valid at the service's clock.</summary>
    ProviderSignersNotValid = 8022,
    /// <summary>A string or member name in the JSON body (or in a management JWS's header or payload) is not Unicode text: a lone or reversed surrogate escape, or bytes that are not UTF-8.</summary>
    RequestTextNotUnicode = 8026,
    /// <summary>The server failed unexpectedly; nothing about the request is reported.</summary>
    InternalError = 8099,
}

/// <summary>Formatting and classification of <see cref="ServerErrorCode"/>.</summary>
public static class ServerErrorCodes
{
    /// <summary>The printed form, e.g. <c>ATT8004</c>.</summary>
    public static string Format(this ServerErrorCode code) => "ATT" + ((int)code).ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>The HTTP status of the code.</summary>
    public static int HttpStatus(this ServerErrorCode code) => code switch
    {
        ServerErrorCode.RequestBodyTooLarge => 413,
        ServerErrorCode.ProviderNotFound or ServerErrorCode.RouteNotFound => 404,
        ServerErrorCode.Unauthorized => 401,
        ServerErrorCode.Forbidden => 403,
        ServerErrorCode.ProviderExists or ServerErrorCode.CollateralSourceNotConfigured => 409,
        ServerErrorCode.MethodNotAllowed => 405,
        ServerErrorCode.InternalError => 500,
        _ => 400,
    };

    /// <summary>The MAA <c>error.code</c> name of the code.</summary>
    public static string MaaCode(this ServerErrorCode code) => code switch
    {
        ServerErrorCode.Unauthorized or ServerErrorCode.Forbidden => MaaErrorCodes.Unauthorized,
        ServerErrorCode.AttestationTypeNotSupported => MaaErrorCodes.InvalidOperation,
        ServerErrorCode.InternalError => MaaErrorCodes.InternalError,
        ServerErrorCode.ProviderNotFound or ServerErrorCode.RouteNotFound => "NotFound",
        ServerErrorCode.ProviderExists or ServerErrorCode.CollateralSourceNotConfigured => "Conflict",
        ServerErrorCode.MethodNotAllowed => "MethodNotAllowed",
        _ => MaaErrorCodes.InvalidParameter,
    };
}
