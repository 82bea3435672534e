using System.Buffers.Binary;
using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Tests.Shared.Control;

public unsafe class ControlCodecTests
{
    private readonly byte[] _buffer = new byte[ControlCodec.MaxMessageSize];

    [Fact]
    public void Header_bytes_are_what_docs_abi_md_says()
    {
        int n = ControlCodec.Write(_buffer, MessageType.Stats, 0x01020304, new StatsRequest { QueueId = 7 });
        Assert.Equal(24, n);
        Assert.Equal("MDCT"u8.ToArray(), _buffer[..4]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(_buffer.AsSpan(4)));
        Assert.Equal(0x04, BinaryPrimitives.ReadUInt16LittleEndian(_buffer.AsSpan(6)));
        Assert.Equal(24u, BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(8)));
        Assert.Equal(0x01020304u, BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(12)));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(16)));
    }

    [Fact]
    public void Hello_round_trips()
    {
        var hello = new HelloRequest { AbiVersion = AbiVersion.Current };
        ControlCodec.Utf8Prefix("pktgen", new Span<byte>(hello.AppName, 32));
        var back = RoundTrip(MessageType.Hello, 56, hello);
        Assert.Equal(AbiVersion.Current, back.AbiVersion);
        Assert.Equal("pktgen", ControlCodec.FromUtf8Field(new ReadOnlySpan<byte>(back.AppName, 32)));
    }

    [Fact]
    public void HelloReply_round_trips()
    {
        var reply = new HelloReply { AbiVersion = 1, ClientId = 9, Mode = (uint)ClientMode.TxDirect, MaxQueues = 4, MaxUmemBytes = 1UL << 33, MaxFrameLength = 1514 };
        Assert.Equal(reply, RoundTrip(MessageType.HelloReply, 48, reply));
    }

    [Fact]
    public void OpenQueue_round_trips()
    {
        var request = new OpenQueueRequest { Geometry = QueueGeometry.Default };
        Assert.Equal(QueueGeometry.Default, RoundTrip(MessageType.OpenQueue, 48, request).Geometry);
    }

    [Fact]
    public void OpenQueueReply_round_trips()
    {
        var layout = new QueueLayout(QueueGeometry.Default);
        var reply = new OpenQueueReply
        {
            QueueId = 3, DeviceQueue = 17, Geometry = layout.Geometry, UmemSize = layout.Geometry.UmemSize,
            ClientAreaSize = (ulong)layout.ClientAreaSize, BrokerAreaSize = (ulong)layout.BrokerAreaSize, FdCount = 7,
        };
        byte[] mac = [0x02, 0, 0, 0, 0, 0x2A];
        mac.CopyTo(new Span<byte>(reply.Mac, 6));
        var back = RoundTrip(MessageType.OpenQueueReply, 80, reply);
        Assert.Equal(3u, back.QueueId);
        Assert.Equal(17u, back.DeviceQueue);
        Assert.Equal(layout.Geometry, back.Geometry);
        Assert.Equal((ulong)layout.BrokerAreaSize, back.BrokerAreaSize);
        Assert.Equal(mac, new ReadOnlySpan<byte>(back.Mac, 6).ToArray());
        Assert.Equal(7, back.FdCount);
    }

    [Theory]
    [InlineData(MessageType.CloseQueue)]
    [InlineData(MessageType.CloseQueueReply)]
    public void CloseQueue_and_its_reply_round_trip(MessageType type) =>
        Assert.Equal(5u, RoundTrip(type, 24, new CloseQueueRequest { QueueId = 5 }).QueueId);

    [Fact]
    public void Stats_round_trips() =>
        Assert.Equal(StatsRequest.AllQueues, RoundTrip(MessageType.Stats, 24, new StatsRequest { QueueId = StatsRequest.AllQueues }).QueueId);

    [Fact]
    public void StatsReply_round_trips_every_counter()
    {
        ulong[] counters = [.. Enumerable.Range(0, (int)QueueCounter.Count).Select(i => (ulong)i * 1_000_000_007)];
        int n = ControlCodec.WriteStats(_buffer, 11, 2, counters);
        Assert.Equal(24 + 8 * (int)QueueCounter.Count, n);
        var message = _buffer.AsSpan(0, n);
        Assert.Equal(ErrorCode.None, ControlCodec.TryReadHeader(message, out var header));
        Assert.Equal((ushort)MessageType.StatsReply, header.Type);
        Assert.True(ControlCodec.TryReadStats(message, out uint queue, out var back));
        Assert.Equal(2u, queue);
        Assert.Equal(counters, back);
    }

    [Fact]
    public void Goodbye_is_a_bare_header()
    {
        int n = ControlCodec.WriteEmpty(_buffer, MessageType.Goodbye, 0);
        Assert.Equal(MessageHeader.Size, n);
        Assert.Equal(ErrorCode.None, ControlCodec.TryReadHeader(_buffer.AsSpan(0, n), out var header));
        Assert.Equal((ushort)MessageType.Goodbye, header.Type);
    }

    [Fact]
    public void Error_round_trips_with_its_text()
    {
        int n = ControlCodec.WriteError(_buffer, 42, ErrorCode.QuotaExceeded, MessageType.OpenQueue, "too much UMEM");
        var message = _buffer.AsSpan(0, n);
        Assert.Equal(ErrorCode.None, ControlCodec.TryReadHeader(message, out var header));
        Assert.Equal(42u, header.RequestId);
        Assert.True(ControlCodec.TryReadError(message, out var error, out string text));
        Assert.Equal((uint)ErrorCode.QuotaExceeded, error.Code);
        Assert.Equal((uint)MessageType.OpenQueue, error.FailedType);
        Assert.Equal("too much UMEM", text);
    }

    [Theory]
    [InlineData("é", 120)]  // 2-byte characters: 240 bytes exactly
    [InlineData("€", 80)]   // 3-byte characters
    [InlineData("😀", 60)]  // surrogate pairs, 4 bytes each
    public void Long_error_text_is_cut_at_a_character_boundary(string unit, int chars)
    {
        int n = ControlCodec.WriteError(_buffer, 1, ErrorCode.Internal, MessageType.Hello, "x" + string.Concat(Enumerable.Repeat(unit, 200)));
        Assert.True(n <= 24 + ErrorReply.MaxTextBytes);
        Assert.True(ControlCodec.TryReadError(_buffer.AsSpan(0, n), out _, out string text));
        Assert.DoesNotContain('\uFFFD', text);
        Assert.StartsWith("x", text, StringComparison.Ordinal);
        Assert.Equal(chars - 1, new System.Globalization.StringInfo(text[1..]).LengthInTextElements);
    }

    private T RoundTrip<T>(MessageType type, int expectedLength, T body) where T : unmanaged
    {
        int n = ControlCodec.Write(_buffer, type, 77, body);
        Assert.Equal(expectedLength, n);
        var message = _buffer.AsSpan(0, n);
        Assert.Equal(ErrorCode.None, ControlCodec.TryReadHeader(message, out var header));
        Assert.Equal((ushort)type, header.Type);
        Assert.Equal(77u, header.RequestId);
        Assert.True(ControlCodec.TryReadBody<T>(message, out var back));
        return back;
    }
}
