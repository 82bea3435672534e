using System.Buffers.Binary;
using System.IO.Hashing;

namespace Mediator.Cli.Traffic;

/// <summary>
/// The frames pktgen sends and sink verifies: an Ethernet header (ethertype 0x88B5, "local
/// experimental"), then magic, generator id, sequence number, payload length, a CRC-32 of everything
/// after the CRC field, and a pattern that depends on the sequence number so that a frame delivered
/// into the wrong buffer, or a stale one, fails the check.
/// </summary>
internal static class TestFrame
{
    public const ushort EtherType = 0x88B5;
    public const uint Magic = 0x4750444D; // "MDPG"
    public const int HeaderLength = 14;
    public const int MinLength = HeaderLength + 24;
    internal const int MagicAt = 14, GeneratorAt = 18, SequenceAt = 22, LengthAt = 30, CrcAt = 34, BodyAt = 38;

    /// <summary>
    /// Writes a complete test frame of <c>frame.Length</c> bytes. The reference form: senders use a
    /// <see cref="TestFrameWriter"/>, which writes the same bytes without reading the frame back.
    /// </summary>
    public static void Write(Span<byte> frame, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> source, uint generator, ulong sequence)
    {
        WriteHeader(frame, destination, source, generator, sequence, frame.Length);
        var body = frame[BodyAt..];
        byte seed = Seed(sequence);
        for (int i = 0; i < body.Length; i++)
        {
            body[i] = (byte)(seed + i);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(frame[CrcAt..], Crc32.HashToUInt32(body));
    }

    /// <summary>The first byte of a frame's body: body byte <c>i</c> is <c>(byte)(Seed + i)</c>.</summary>
    public static byte Seed(ulong sequence) => (byte)(sequence * 31 + 7);

    /// <summary>Writes the header fields up to the CRC (which covers the body, written after).</summary>
    internal static void WriteHeader(Span<byte> frame, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> source, uint generator, ulong sequence, int length)
    {
        destination.CopyTo(frame);
        source.CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherType);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[MagicAt..], Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[GeneratorAt..], generator);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[SequenceAt..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[LengthAt..], (uint)length);
    }

    /// <summary>Checks a received frame; returns its generator and sequence when intact.</summary>
    public static bool TryVerify(ReadOnlySpan<byte> frame, out uint generator, out ulong sequence)
    {
        generator = 0;
        sequence = 0;
        if (frame.Length < MinLength
            || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherType
            || BinaryPrimitives.ReadUInt32LittleEndian(frame[MagicAt..]) != Magic
            || BinaryPrimitives.ReadUInt32LittleEndian(frame[LengthAt..]) != (uint)frame.Length)
        {
            return false;
        }
        var body = frame[BodyAt..];
        if (BinaryPrimitives.ReadUInt32LittleEndian(frame[CrcAt..]) != Crc32.HashToUInt32(body))
        {
            return false;
        }
        generator = BinaryPrimitives.ReadUInt32LittleEndian(frame[GeneratorAt..]);
        sequence = BinaryPrimitives.ReadUInt64LittleEndian(frame[SequenceAt..]);
        return body.IsEmpty || body[0] == Seed(sequence);
    }
}
