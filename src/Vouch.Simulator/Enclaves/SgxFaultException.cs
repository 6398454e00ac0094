namespace Vouch.Simulator.Enclaves;

/// <summary>
/// A general-protection fault (#GP) of a simulated SGX instruction: an input the CPU refuses outright
/// rather than answering with a status code (for example non-zero reserved fields, XFRM without x87/SSE,
/// KSS fields without the KSS attribute, or a second EINIT).
/// </summary>
public sealed class SgxFaultException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SgxFaultException()
    {
    }

    /// <summary>Creates the exception with a description of the refused input.</summary>
    public SgxFaultException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a description and the underlying cause.</summary>
    public SgxFaultException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
