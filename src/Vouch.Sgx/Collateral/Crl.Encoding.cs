using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using Vouch.Sgx.Certificates;
using Vouch.Sgx.Primitives;

namespace Vouch.Sgx.Collateral;

public sealed partial record Crl
{
    private const string PemLabel = "X509 CRL";

    /// <summary>
    /// Turns a CRL in any of the encodings DCAP collateral uses (dcap-verification §3.5) into DER:
    /// <list type="bullet">
    /// <item>DER itself (PCS <c>encoding=der</c>, QvE collateral 3.1), returned as a copy;</item>
    /// <item>PEM with the <c>X509 CRL</c> label (PCS default, OpenEnclave endorsements), one block with
    /// only whitespace or NUL around it;</item>
    /// <item>hex of the DER in either case (PCCS <c>/rootcacrl</c>, QvE collateral 3.0), with only
    /// whitespace or NUL around it.</item>
    /// </list>
    /// The result is one complete DER SEQUENCE; its content is not checked here (<see cref="TryParse"/> does).
    /// </summary>
    /// <param name="input">The CRL as received.</param>
    /// <returns>The DER bytes, or <see langword="null"/> when no encoding fits.</returns>
    public static byte[]? NormalizeEncoding(ReadOnlySpan<byte> input)
    {
        if (IsOneDerSequence(input))
        {
            return input.ToArray();
        }

        if (!Ascii.IsValid(input))
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(input).AsSpan().Trim(PemText.Blank);
        if (text.IsEmpty)
        {
            return null;
        }

        byte[]? der;
        if (text[0] == '-')
        {
            if (!PemEncoding.TryFind(text, out var fields)
                || fields.Location.Start.Value != 0
                || fields.Location.End.Value != text.Length
                || !text[fields.Label].SequenceEqual(PemLabel))
            {
                return null;
            }

            der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(text[fields.Base64Data], der, out var written) || written != der.Length)
            {
                return null;
            }
        }
        else
        {
            der = Hex.TryDecode(text);
        }

        return der is not null && IsOneDerSequence(der) ? der : null;
    }

    private static bool IsOneDerSequence(ReadOnlySpan<byte> bytes) =>
        AsnDecoder.TryReadEncodedValue(bytes, AsnEncodingRules.DER, out var tag, out _, out _, out var consumed)
        && consumed == bytes.Length
        && tag == Asn1Tag.Sequence;
}
