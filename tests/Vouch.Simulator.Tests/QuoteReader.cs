using System.Buffers.Binary;

namespace Vouch.Simulator.Tests;

/// <summary>
/// A deliberately small, test-only reader of SGX quotes v3/v4, written from dcap-verification §1 (not from
/// the simulator's layout constants), so real and simulated quotes go through the same independent parser.
/// </summary>
internal sealed record ParsedQuote(
    ushort Version,
    ushort AttestationKeyType,
    uint TeeType,
    ushort QeSvn,
    ushort PceSvn,
    byte[] VendorId,
    byte[] UserData,
    byte[] Body,
    uint SignatureDataLength,
    byte[] Signature,
    byte[] AttestationKey,
    byte[] QeReport,
    byte[] QeReportSignature,
    byte[] AuthData,
    ushort OuterCertificationType,
    ushort CertificationType,
    byte[] CertificationData,
    IReadOnlyList<(string Field, int Offset, int Size)> Layout)
{
    public static ParsedQuote Parse(byte[] q)
    {
        var layout = new List<(string, int, int)>();
        var at = 0;
        T Field<T>(string name, int size, Func<int, T> read)
        {
            if (at + size > q.Length)
            {
                throw new FormatException($"{name} runs past the end");
            }

            layout.Add((name, at, size));
            var value = read(at);
            at += size;
            return value;
        }

        var version = Field("version", 2, o => BinaryPrimitives.ReadUInt16LittleEndian(q.AsSpan(o)));
        var keyType = Field("att_key_type", 2, o => BinaryPrimitives.ReadUInt16LittleEndian(q.AsSpan(o)));
        var tee = Field("tee_type", 4, o => BinaryPrimitives.ReadUInt32LittleEndian(q.AsSpan(o)));
        var qeSvn = Field("qe_svn", 2, o => BinaryPrimitives.ReadUInt16LittleEndian(q.AsSpan(o)));
        var pceSvn = Field("pce_svn", 2, o => BinaryPrimitives.ReadUInt16LittleEndian(q.AsSpan(o)));
        var vendor = Field("qe_vendor_id", 16, o => q[o..(o + 16)]);
        var user = Field("user_data", 20, o => q[o..(o + 20)]);
        var body = Field("report_body", 384, o => q[o..(o + 384)]);
        var sigLen = Field("signature_data_len", 4, o => BinaryPrimitives.ReadUInt32LittleEndian(q.AsSpan(o)));
        if (436 + sigLen != q.Length)
        {
            throw new FormatException("signature_data_len does not consume the quote");
        }

        var sig = Field("quote_signature", 64, o => q[o..(o + 64)]);
        var key = Field("attestation_key", 64, o => q[o..(o + 64)]);
        ushort outerType = 0;
        if (version == 4)
        {
            outerType = Field("outer_cert_type", 2, o => BinaryPrimitives.ReadUInt16LittleEndian(q.AsSpan(o)));
            var outerSize = Field("outer_cert_size", 4, o => BinaryPrimitives.ReadUInt32LittleEndian(q.AsSpan(o)));
            if (at + outerSize != q.Length)
            {
                throw new FormatException("outer certification data does not consume the quote");
            }
        }

        var qeReport = Field("qe_report", 384, o => q[o..(o + 384)]);
        var qeSig = Field("qe_report_signature", 64, o => q[o..(o + 64)]);
        var authSize = Field("qe_auth_data_size", 2, o => BinaryPrimitives.ReadUInt16LittleEndian(q.AsSpan(o)));
        var auth = Field("qe_auth_data", authSize, o => q[o..(o + authSize)]);
        var certType = Field("cert_type", 2, o => BinaryPrimitives.ReadUInt16LittleEndian(q.AsSpan(o)));
        var certSize = Field("cert_size", 4, o => BinaryPrimitives.ReadUInt32LittleEndian(q.AsSpan(o)));
        var cert = Field("cert_data", (int)certSize, o => q[o..(o + (int)certSize)]);
        if (at != q.Length)
        {
            throw new FormatException("trailing bytes");
        }

        return new ParsedQuote(version, keyType, tee, qeSvn, pceSvn, vendor, user, body, sigLen, sig, key, qeReport, qeSig, auth, outerType, certType, cert, layout);
    }
}
