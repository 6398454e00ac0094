namespace Vouch.Sgx.Quotes;

/// <summary>
/// Why <see cref="Quote.TryParse"/> rejected its input.
/// </summary>
/// <param name="Code">The stable error code (one of the 1xxx quote format codes).</param>
/// <param name="Offset">
/// The absolute offset, from the first byte of the quote, of the field at fault: the field that did not fit
/// for <see cref="ErrorCode.QuoteTruncated"/> (the input's length when it is shorter than
/// <see cref="Quote.MinSize"/>), the length field whose value runs past its container for
/// <see cref="ErrorCode.QuoteLengthOverflow"/>, the first unexpected byte for
/// <see cref="ErrorCode.QuoteTrailingData"/>, <see cref="Quote.MaxSize"/> for <see cref="ErrorCode.QuoteTooLarge"/>,
/// and the field with the unsupported value otherwise.
/// </param>
/// <param name="Field">The field's name in Intel's terms, for example <c>header.version</c> or <c>certification_data.size</c>.</param>
/// <param name="Message">A human-readable explanation. Not stable: match on <paramref name="Code"/>.</param>
public sealed record QuoteFormatError(ErrorCode Code, int Offset, string Field, string Message);
