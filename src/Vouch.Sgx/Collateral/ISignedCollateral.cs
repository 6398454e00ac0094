namespace Vouch.Sgx.Collateral;

/// <summary>What TCB Info and Enclave Identity share: a signed JSON body with an issue date and a next update.</summary>
public interface ISignedCollateral
{
    /// <summary>The whole document as received.</summary>
    ReadOnlyMemory<byte> Document { get; }

    /// <summary>The bytes the signature covers, in Intel's compact form (dcap-verification §3.4).</summary>
    ReadOnlyMemory<byte> SignedBody { get; }

    /// <summary>The signature, 64 bytes <c>r ‖ s</c>.</summary>
    ReadOnlyMemory<byte> Signature { get; }

    /// <summary>When Intel issued it.</summary>
    DateTimeOffset IssueDate { get; }

    /// <summary>When Intel will have issued its successor.</summary>
    DateTimeOffset NextUpdate { get; }

    /// <summary>The TCB evaluation data number it belongs to.</summary>
    int TcbEvaluationDataNumber { get; }
}
