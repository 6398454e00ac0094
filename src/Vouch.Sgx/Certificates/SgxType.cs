namespace Vouch.Sgx.Certificates;

/// <summary>The SGX Type field of the PCK certificate's SGX extension (OID suffix .5, ENUMERATED).</summary>
public enum SgxType
{
    /// <summary>Standard SGX.</summary>
    Standard = 0,

    /// <summary>Scalable SGX.</summary>
    Scalable = 1,

    /// <summary>Scalable SGX with integrity.</summary>
    ScalableWithIntegrity = 2,
}
