using System.Text.Json;
using Vouch.Tests.Shared;

namespace Vouch.Simulator.Tests;

/// <summary>Read-in-place access to ../shared/vectors/sgx.</summary>
internal static class Vectors
{
    public static byte[] Sgx(params string[] parts) => File.ReadAllBytes(TestVectors.Path(["sgx", .. parts]));

    public static byte[] Dcap(string @case, string file) => File.ReadAllBytes(TestVectors.Path("dcap", @case, file));

    /// <summary>The genuine Intel-signed SGX v3 quote the simulator's structure is compared with.</summary>
    public static byte[] RealQuote() => Dcap("signal-cdsi-sgx-v3-2026", "quote.bin");

    public static JsonElement SimJson()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestVectors.Path("sgx", "sim", "intel_sdk_sim_selfcomputed.json")));
        return doc.RootElement.Clone();
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex);
}
