using System.Buffers.Binary;
using System.IO.Hashing;

namespace Mediator.Cli.Traffic;

/// <summary>
/// Writes <see cref="TestFrame"/>s of one length from one generator to one destination, byte for byte
/// what <see cref="TestFrame.Write"/> produces, without reading the frame back.
/// </summary>
/// <remarks>
/// The body of a test frame depends only on its seed byte, <c>(byte)(sequence * 31 + 7)</c>, so there are
/// 256 bodies per length: their CRCs are computed once, and every body is a window into one
/// <c>0, 1, ..., 255, 0, 1, ...</c> pattern. A frame then costs a 38-byte header copy, two stores and a
/// body copy. <see cref="TestFrame.Write"/> instead fills the body with byte stores and immediately reads
/// it back with vector loads for the CRC: the loads cannot be forwarded from the store buffer, so they
/// wait until the stores reach L1, which needs the line back from the core whose device model last read
/// it. Profiled, that made the CRC 62 % of pktgen's time towards the null wire (2026-11-29).
/// </remarks>
internal sealed class TestFrameWriter
{
    private readonly byte[] _header = new byte[TestFrame.BodyAt];
    private readonly byte[] _pattern;
    private readonly uint[] _crcs = new uint[256];
    private readonly int _bodyLength;

    /// <summary>Prepares frames of <paramref name="length"/> bytes (at least <see cref="TestFrame.MinLength"/>).</summary>
    public TestFrameWriter(int length, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> source, uint generator)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, TestFrame.MinLength);
        Length = length;
        _bodyLength = length - TestFrame.BodyAt;
        TestFrame.WriteHeader(_header, destination, source, generator, sequence: 0, length);
        _pattern = new byte[_bodyLength + 255];
        for (int i = 0; i < _pattern.Length; i++)
        {
            _pattern[i] = (byte)i;
        }
        for (int seed = 0; seed < 256; seed++)
        {
            _crcs[seed] = Crc32.HashToUInt32(_pattern.AsSpan(seed, _bodyLength));
        }
    }

    /// <summary>The length of every frame this writer produces.</summary>
    public int Length { get; }

    /// <summary>Writes the frame with <paramref name="sequence"/> into the first <see cref="Length"/> bytes of <paramref name="frame"/>.</summary>
    public void Write(Span<byte> frame, ulong sequence)
    {
        frame = frame[..Length];
        byte seed = TestFrame.Seed(sequence);
        _header.CopyTo(frame);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[TestFrame.SequenceAt..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[TestFrame.CrcAt..], _crcs[seed]);
        _pattern.AsSpan(seed, _bodyLength).CopyTo(frame[TestFrame.BodyAt..]);
    }
}
