using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Vouch.Sgx.Certificates;

/// <summary>
/// Reads a PEM certificate chain as DCAP carries it: the certification data of a quote (type 5),
/// or a PCS <c>*-Issuer-Chain</c> header once URL-decoded. A failure maps to <see cref="ErrorCode.CertificateMalformed"/>.
/// </summary>
public static class PemChain
{
    private const string CertificateLabel = "CERTIFICATE";

    /// <summary>
    /// Splits PEM text into certificates in order of appearance and parses each with
    /// <see cref="ParsedCertificate.TryParse"/>. Outside the blocks only whitespace and NUL bytes are
    /// allowed (the Intel quote provider library ends the chain with a NUL: pitfall 14). Rejects
    /// non-ASCII input, a block with another label than <c>CERTIFICATE</c>, any other text between or
    /// around blocks, and input without a block. Never throws for bad input.
    /// </summary>
    /// <param name="pem">The PEM bytes (ASCII).</param>
    /// <param name="certificates">The certificates in input order; <see langword="null"/> on failure.</param>
    /// <param name="error">Why the input was rejected; <see langword="null"/> on success.</param>
    /// <returns>Whether the input is such a chain.</returns>
    public static bool TryRead(ReadOnlySpan<byte> pem, [NotNullWhen(true)] out IReadOnlyList<ParsedCertificate>? certificates, [NotNullWhen(false)] out string? error)
    {
        certificates = null;
        if (!TryDecodeAscii(pem, out var text))
        {
            error = "PEM chain: the input is not ASCII text";
            return false;
        }

        var found = new List<ParsedCertificate>();
        var rest = text.AsSpan();
        while (true)
        {
            rest = rest.TrimStart(PemText.Blank);
            if (rest.IsEmpty)
            {
                break;
            }

            if (!PemEncoding.TryFind(rest, out var fields) || fields.Location.Start.Value != 0)
            {
                error = "PEM chain: text outside a PEM block";
                return false;
            }

            if (!rest[fields.Label].SequenceEqual(CertificateLabel))
            {
                error = "PEM chain: a block is not a CERTIFICATE";
                return false;
            }

            var der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out var written) || written != der.Length)
            {
                error = "PEM chain: a block's base64 does not decode";
                return false;
            }

            if (!ParsedCertificate.TryParse(der, out var certificate, out var certificateError))
            {
                error = "PEM chain: certificate " + (found.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + ": " + certificateError;
                return false;
            }

            found.Add(certificate);
            rest = rest[fields.Location.End..];
        }

        if (found.Count == 0)
        {
            error = "PEM chain: no certificate";
            return false;
        }

        certificates = found.AsReadOnly();
        error = null;
        return true;
    }

    private static bool TryDecodeAscii(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out string? text)
    {
        text = null;
        if (!System.Text.Ascii.IsValid(bytes))
        {
            return false;
        }

        text = System.Text.Encoding.ASCII.GetString(bytes);
        return true;
    }
}

/// <summary>Characters PEM readers skip outside blocks.</summary>
internal static class PemText
{
    /// <summary>Whitespace as RFC 7468 §3 defines it, plus NUL (the QPL's terminator).</summary>
    public static ReadOnlySpan<char> Blank => " \t\r\n\v\f\0";
}
