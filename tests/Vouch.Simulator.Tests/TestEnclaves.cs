using System.Text;
using Vouch.Simulator.Enclaves;

namespace Vouch.Simulator.Tests;

/// <summary>Enclave images for tests: the sample and variants with another MRENCLAVE or ISVSVN.</summary>
internal static class TestEnclaves
{
    private static readonly Lazy<EnclaveManifest> SampleManifest = new(() => EnclaveManifest.Sample);

    public static EnclaveManifest Sample => SampleManifest.Value;

    /// <summary>The sample with different code bytes (so another MRENCLAVE), same signer.</summary>
    public static EnclaveManifest Variant(string code, ushort isvSvn = 1)
    {
        var pages = Sample.Pages.ToList();
        var content = new byte[4096];
        Encoding.UTF8.GetBytes(code).CopyTo(content, 0);
        pages[0] = pages[0] with { Content = content };
        return Sample with { Pages = pages, IsvSvn = isvSvn };
    }
}
