using FsCheck;
using FsCheck.Xunit;
using Vouch.Sgx.Collateral;

namespace Vouch.Sgx.Tests.Collateral;

/// <summary>
/// Random mutations of real documents (pitfall §6 item 19: fuzz the parser): the parsers never throw,
/// report exactly one of result or error, and report a code of their own kind.
/// </summary>
public sealed class CollateralPropertyTests
{
    private static readonly byte[][] TcbDocuments =
    [
        DcapCases.Bytes(DcapCases.Genuine, "tcb_info.json"),
        DcapCases.Bytes("phala-tdx-v4-uptodate", "tcb_info.json"),
        DcapCases.Bytes("signal-cds2-sgx-v3-tcbinfo-v2-2022", "tcb_info.json"),
    ];

    private static readonly byte[][] QeDocuments =
    [
        DcapCases.Bytes(DcapCases.Genuine, "qe_identity.json"),
        DcapCases.Bytes("phala-tdx-v4-uptodate", "qe_identity.json"),
    ];

    // Bytes that keep a mutated document JSON-shaped more often than not, so the typed reads are reached
    // and not only the tokenizer: digits, hex letters, JSON punctuation, whitespace and escapes.
    private static readonly byte[] JsonAlphabet = "0123456789abcdefABCDEFxXG\"\\,:{}[] \n-.eE+nulltrue"u8.ToArray();

    /// <summary>One mutation: what to do, where, and with which byte or length.</summary>
    private static byte[] Mutate(byte[] source, int kind, int position, int value)
    {
        if (source.Length == 0)
        {
            return source;
        }

        var doc = source.ToList();
        var at = Modulo(position, doc.Count);
        var b = unchecked((byte)value);
        var alphabetByte = JsonAlphabet[Modulo(value, JsonAlphabet.Length)];
        var span = 1 + Modulo(value, 64);
        switch (Modulo(kind, 7))
        {
            case 0: doc[at] = alphabetByte; break;
            case 1: doc[at] = b; break;
            case 2: doc.RemoveRange(at, Math.Min(span, doc.Count - at)); break;
            case 3: doc.Insert(at, alphabetByte); break;
            case 4: doc.InsertRange(at, doc.Skip(at).Take(span).ToArray()); break;
            case 5: doc.RemoveRange(at, doc.Count - at); break;
            default:
                // Swap two digits' worth of SVN: keep JSON valid and change a value.
                var digit = doc.FindIndex(at, x => x is >= (byte)'0' and <= (byte)'9');
                if (digit >= 0)
                {
                    doc[digit] = (byte)('0' + Modulo(value, 10));
                }

                break;
        }

        return [.. doc];
    }

    // Any int, including int.MinValue, to 0..n-1.
    private static int Modulo(int x, int n) => (int)(unchecked((uint)x) % (uint)n);

    private static bool TcbInfoNeverThrows(byte[] document)
    {
        var ok = TcbInfo.TryParse(document, out var tcbInfo, out var error);
        return ok
            ? tcbInfo is not null && error is null && tcbInfo.TcbLevels.Count == tcbInfo.TcbLevelsAsReceived.Count && tcbInfo.Signature.Length == 64
            : tcbInfo is null && error is not null && error.Code is ErrorCode.TcbInfoMalformed or ErrorCode.TcbInfoUnsupported;
    }

    private static bool EnclaveIdentityNeverThrows(byte[] document)
    {
        var ok = EnclaveIdentity.TryParse(document, out var identity, out var error);
        return ok
            ? identity is not null && error is null && identity.TcbLevels.Count > 0 && identity.Signature.Length == 64
            : identity is null && error is not null && error.Code is ErrorCode.QeIdentityMalformed or ErrorCode.QeIdentityUnsupported;
    }

    [Property(MaxTest = 1000)]
    public bool TcbInfo_SingleMutation_NeverThrows(NonNegativeInt which, int kind, int position, int value) =>
        TcbInfoNeverThrows(Mutate(TcbDocuments[which.Get % TcbDocuments.Length], kind, position, value));

    [Property(MaxTest = 300)]
    public bool TcbInfo_ManyMutations_NeverThrow(NonNegativeInt which, int[] kinds, int position, int value)
    {
        var doc = TcbDocuments[which.Get % TcbDocuments.Length];
        foreach (var kind in kinds.Take(8))
        {
            doc = Mutate(doc, kind, position, value);
            position = unchecked((position * 31) + kind);
            value = unchecked((value * 17) + 3);
        }

        return TcbInfoNeverThrows(doc);
    }

    [Property(MaxTest = 1000)]
    public bool EnclaveIdentity_SingleMutation_NeverThrows(NonNegativeInt which, int kind, int position, int value) =>
        EnclaveIdentityNeverThrows(Mutate(QeDocuments[which.Get % QeDocuments.Length], kind, position, value));

    [Property(MaxTest = 300)]
    public bool AnyBytes_NeverThrow(byte[] bytes) => TcbInfoNeverThrows(bytes) && EnclaveIdentityNeverThrows(bytes);

    // Whatever parses, SignedBodyRaw is the tcbInfo value and SignedBody is it without whitespace outside strings.
    [Property(MaxTest = 500)]
    public bool TcbInfo_WhenParsed_SignedBodyIsWhitespaceFree(int kind, int position, int value)
    {
        var doc = Mutate(TcbDocuments[0], kind, position, value);
        if (!TcbInfo.TryParse(doc, out var tcbInfo, out _))
        {
            return true;
        }

        var raw = tcbInfo.SignedBodyRaw.Span;
        var canonical = tcbInfo.SignedBody.Span;
        return raw[0] == (byte)'{' && raw[^1] == (byte)'}'
            && canonical.Length <= raw.Length
            && (canonical.Length != raw.Length || canonical.SequenceEqual(raw))
            && SignedEnvelope.Compact(tcbInfo.SignedBody).Length == canonical.Length;
    }
}
