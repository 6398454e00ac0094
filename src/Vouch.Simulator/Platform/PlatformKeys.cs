using System.Security.Cryptography;
using System.Text;

namespace Vouch.Simulator.Platform;

/// <summary>
/// A platform's secrets: one 16-byte base key per key name (the model of the fused secrets) and the
/// owner epoch. Persisted as <c>platform.secrets</c>.
/// </summary>
internal sealed record PlatformKeys(byte[] Seal, byte[] Report, byte[] EinitToken, byte[] Provision, byte[] ProvisionSeal, byte[] OwnerEpoch)
{
    /// <summary>The Intel SDK simulator's constants (sgx-enclave-model §3.2).</summary>
    public static PlatformKeys IntelSdk { get; } = new(
        Convert.FromHexString("00112233445566778899aabbccddeeff"),
        Convert.FromHexString("ff00ff00ff00ff00ff00ff00ff00ff00"),
        Convert.FromHexString("aa55aa55aa55aa55aa55aa55aa55aa55"),
        Convert.FromHexString("bbaabbeeff0000ddbbaabbeeff0000dd"),
        Encoding.ASCII.GetBytes("PROVISIONSEALKEY"),
        Encoding.ASCII.GetBytes("THISISOWNEREPOCH"));

    /// <summary>Fresh random secrets from the system CSPRNG.</summary>
    public static PlatformKeys Random() => new(
        RandomNumberGenerator.GetBytes(16),
        RandomNumberGenerator.GetBytes(16),
        RandomNumberGenerator.GetBytes(16),
        RandomNumberGenerator.GetBytes(16),
        RandomNumberGenerator.GetBytes(16),
        RandomNumberGenerator.GetBytes(16));

    public byte[] BaseKey(KeyName name) => name switch
    {
        KeyName.Seal => Seal,
        KeyName.Report => Report,
        KeyName.EinitToken => EinitToken,
        KeyName.Provision => Provision,
        KeyName.ProvisionSeal => ProvisionSeal,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
