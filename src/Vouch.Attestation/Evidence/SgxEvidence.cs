using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Vouch.Attestation.Errors;
using Vouch.Sgx.Quotes;

namespace Vouch.Attestation.Evidence;

/// <summary>Which attest route the evidence came through.</summary>
public enum EvidenceKind
{
    /// <summary><c>POST /attest/SgxEnclave</c>: a bare SGX ECDSA quote.</summary>
    SgxEnclave,
    /// <summary><c>POST /attest/OpenEnclave</c>: an Open Enclave report or evidence wrapping an SGX quote.</summary>
    OpenEnclave,
}

/// <summary>
/// SGX evidence as submitted and the quote inside it. <see cref="Submitted"/> is what MAA's
/// <c>quotehash</c> covers (the whole OE report for OpenEnclave, maa-protocol §2.4).
/// </summary>
/// <param name="Kind">The route.</param>
/// <param name="Submitted">The evidence bytes exactly as submitted.</param>
/// <param name="Quote">The parsed SGX quote.</param>
/// <param name="CustomClaims">The Open Enclave custom-claims buffer that followed the quote in OE evidence, when present.</param>
/// <threadsafety>Immutable.</threadsafety>
public sealed record SgxEvidence(EvidenceKind Kind, ReadOnlyMemory<byte> Submitted, Quote Quote, ReadOnlyMemory<byte>? CustomClaims)
{
    /// <summary>The SGX enclave report of the quote.</summary>
    public SgxReportBody Report => Quote.SgxBody!;

    /// <summary>The quote bytes handed to the verifier (the raw quote, without any OE wrapper).</summary>
    public ReadOnlyMemory<byte> QuoteBytes => Quote.Raw;
}

/// <summary>
/// Reads evidence: a bare SGX quote, a legacy Open Enclave report (<c>oe_report_header_t</c> + quote),
/// or Open Enclave SGX-ECDSA evidence (<c>oe_attestation_header_t</c> + quote ‖ custom claims),
/// sgx-enclave-model §4.5. Syntax only; nothing is verified here.
/// </summary>
public static class EvidenceReader
{
    /// <summary>Size of <c>oe_report_header_t</c>: u32 version, u32 report_type, u64 report_size.</summary>
    public const int OeReportHeaderSize = 16;

    /// <summary>Size of <c>oe_attestation_header_t</c>: u32 version, 16-byte format id, 4 bytes padding, u64 data_size.</summary>
    public const int OeAttestationHeaderSize = 32;

    /// <summary><c>OE_REPORT_HEADER_VERSION</c>.</summary>
    public const uint OeReportHeaderVersion = 1;

    /// <summary><c>OE_ATTESTATION_HEADER_VERSION</c>.</summary>
    public const uint OeAttestationHeaderVersion = 3;

    /// <summary><c>OE_REPORT_TYPE_SGX_REMOTE</c>.</summary>
    public const uint OeReportTypeSgxRemote = 2;

    /// <summary>Open Enclave's <c>OE_FORMAT_UUID_SGX_ECDSA</c> in its canonical text (SGX ECDSA evidence: quote ‖ custom claims).</summary>
    public const string SgxEcdsaFormatUuid = "a3a21e87-1b4d-4014-b70a-a125d2fbcd8c";

    // Written from the UUID text, never transcribed by hand: oe_uuid_t.b holds the UUID's bytes in text order
    // (RFC 4122 network order), which is Guid's big-endian layout.
    private static readonly byte[] SgxEcdsaFormatIdBytes = Guid.Parse(SgxEcdsaFormatUuid).ToByteArray(bigEndian: true);

    /// <summary><see cref="SgxEcdsaFormatUuid"/> as <c>oe_uuid_t.b</c>, the 16 bytes at offset 4 of <c>oe_attestation_header_t</c>.</summary>
    public static ReadOnlySpan<byte> SgxEcdsaFormatId => SgxEcdsaFormatIdBytes;

    /// <summary>Reads a bare SGX quote (<c>/attest/SgxEnclave</c>).</summary>
    public static bool TryReadSgxQuote(ReadOnlyMemory<byte> submitted, [NotNullWhen(true)] out SgxEvidence? evidence, [NotNullWhen(false)] out AttestationError? error)
    {
        evidence = null;
        if (!TryParseSgxQuote(submitted, out var quote, out error))
        {
            return false;
        }

        evidence = new SgxEvidence(EvidenceKind.SgxEnclave, submitted, quote, null);
        return true;
    }

    /// <summary>
    /// Reads Open Enclave evidence (<c>/attest/OpenEnclave</c>): a legacy remote report
    /// (version 1, type 2, size = the rest) or SGX-ECDSA evidence with an attestation header
    /// (version 3, format <see cref="SgxEcdsaFormatId"/>), whose data is the quote followed by the
    /// custom-claims buffer.
    /// </summary>
    public static bool TryReadOpenEnclave(ReadOnlyMemory<byte> submitted, [NotNullWhen(true)] out SgxEvidence? evidence, [NotNullWhen(false)] out AttestationError? error)
    {
        evidence = null;
        var span = submitted.Span;
        if (span.Length < OeReportHeaderSize)
        {
            error = Envelope($"{span.Length} bytes cannot hold an Open Enclave header");
            return false;
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(span);
        if (version == OeReportHeaderVersion)
        {
            var type = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
            var size = BinaryPrimitives.ReadUInt64LittleEndian(span[8..]);
            if (type != OeReportTypeSgxRemote)
            {
                error = Envelope($"report type {type} is not a remote SGX report (2)");
                return false;
            }

            if (size != (ulong)(span.Length - OeReportHeaderSize))
            {
                error = Envelope($"report_size {size} does not match the {span.Length - OeReportHeaderSize} bytes after the header");
                return false;
            }

            if (!TryParseSgxQuote(submitted[OeReportHeaderSize..], out var quote, out error))
            {
                return false;
            }

            evidence = new SgxEvidence(EvidenceKind.OpenEnclave, submitted, quote, null);
            return true;
        }

        if (version == OeAttestationHeaderVersion)
        {
            if (span.Length < OeAttestationHeaderSize)
            {
                error = Envelope($"{span.Length} bytes cannot hold an Open Enclave attestation header");
                return false;
            }

            if (!span.Slice(4, 16).SequenceEqual(SgxEcdsaFormatId))
            {
                error = Envelope($"the evidence format is not SGX ECDSA ({SgxEcdsaFormatUuid})");
                return false;
            }

            var size = BinaryPrimitives.ReadUInt64LittleEndian(span[24..]);
            if (size != (ulong)(span.Length - OeAttestationHeaderSize))
            {
                error = Envelope($"data_size {size} does not match the {span.Length - OeAttestationHeaderSize} bytes after the header");
                return false;
            }

            var data = submitted[OeAttestationHeaderSize..];
            if (!TrySplitQuote(data, out var quoteLength))
            {
                error = Envelope("the evidence data is too short for the quote its signature length declares");
                return false;
            }

            if (!TryParseSgxQuote(data[..quoteLength], out var quote, out error))
            {
                return false;
            }

            evidence = new SgxEvidence(EvidenceKind.OpenEnclave, submitted, quote, data[quoteLength..]);
            return true;
        }

        error = Envelope($"header version {version} is neither an OE report (1) nor OE evidence (3)");
        return false;
    }

    // OE's verifier splits SGX-ECDSA evidence at the end of the quote's signature data
    // (436 + signature_data_len for v3/v4 SGX quotes, 442 + … for v5).
    private static bool TrySplitQuote(ReadOnlyMemory<byte> data, out int quoteLength)
    {
        quoteLength = 0;
        var span = data.Span;
        if (span.Length < QuoteHeader.Size)
        {
            return false;
        }

        var lengthOffset = BinaryPrimitives.ReadUInt16LittleEndian(span) == 5
            ? QuoteHeader.Size + 2 + 4 + SgxReportBody.Size
            : QuoteHeader.Size + SgxReportBody.Size;
        if (span.Length < lengthOffset + 4)
        {
            return false;
        }

        var signatureLength = BinaryPrimitives.ReadUInt32LittleEndian(span[lengthOffset..]);
        var end = (long)lengthOffset + 4 + signatureLength;
        if (end > span.Length)
        {
            return false;
        }

        quoteLength = (int)end;
        return true;
    }

    private static bool TryParseSgxQuote(ReadOnlyMemory<byte> bytes, [NotNullWhen(true)] out Quote? quote, [NotNullWhen(false)] out AttestationError? error)
    {
        if (!Quote.TryParse(bytes, out quote, out var formatError))
        {
            error = new AttestationError(AttestationErrorCode.EvidenceMalformed, $"the quote does not parse: {formatError.Field} at offset {formatError.Offset}: {formatError.Message}")
            {
                QuoteError = formatError.Code,
            };
            return false;
        }

        if (quote.SgxBody is null)
        {
            error = new AttestationError(AttestationErrorCode.EvidenceNotSgx, $"the quote carries a {quote.BodyType} body, not an SGX enclave report");
            quote = null;
            return false;
        }

        error = null;
        return true;
    }

    private static AttestationError Envelope(string message) =>
        new(AttestationErrorCode.OpenEnclaveEnvelopeInvalid, "Open Enclave evidence: " + message);
}
