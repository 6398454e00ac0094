namespace Vouch.Policy;

/// <summary>
/// The default policies. The SGX and Open Enclave text is MAA's recorded version 1.0 default, byte for
/// byte (no newline anywhere), so its <c>x-ms-policy-hash</c> is the value relying parties have seen
/// from MAA: <see cref="SgxHash"/>.
/// </summary>
public static class DefaultPolicies
{
    /// <summary>MAA's default policy for SgxEnclave, as returned by GET /policies/SgxEnclave in 2022.</summary>
    public const string Sgx =
        "version= 1.0;authorizationrules{=> permit();};issuancerules{" +
        "c:[type==\"x-ms-sgx-is-debuggable\"] => issue(type=\"is-debuggable\", value=c.value);" +
        "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"sgx-mrsigner\", value=c.value);" +
        "c:[type==\"x-ms-sgx-mrenclave\"] => issue(type=\"sgx-mrenclave\", value=c.value);" +
        "c:[type==\"x-ms-sgx-product-id\"] => issue(type=\"product-id\", value=c.value);" +
        "c:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);" +
        "c:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", value=c.value);};";

    /// <summary>MAA's default policy for OpenEnclave: the same text as <see cref="Sgx"/>.</summary>
    public const string OpenEnclave = Sgx;

    /// <summary>The recorded <c>x-ms-policy-hash</c> of <see cref="Sgx"/>.</summary>
    public const string SgxHash = "bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw";
}
