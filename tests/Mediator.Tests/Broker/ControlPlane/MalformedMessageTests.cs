using System.Runtime.InteropServices;
using Mediator.Abi;
using Mediator.Control;
using Mediator.Native;

namespace Mediator.Tests.Broker.ControlPlane;

/// <summary>
/// Messages that break the framing rules of docs/abi.md §7.1 each get an Error with the documented
/// code, echo the request id when there is one, change nothing (the same connection can still say
/// Hello), and leave the broker serving other clients.
/// </summary>
public sealed class MalformedMessageTests(SharedBroker shared) : IClassFixture<SharedBroker>
{
    private readonly Integration.BrokerProcess _broker = shared.Broker;

    /// <summary>The connection is still at "before Hello" and the broker serves a fresh client end to end.</summary>
    private void AssertNothingChanged(RawControlClient raw)
    {
        var hello = raw.Hello(requestId: 77);
        Assert.Equal(AbiVersion.Current, hello.AbiVersion);
        BrokerChecks.AssertServing(_broker);
    }

    [Fact]
    public void BadMagic_IsRefusedAsMalformed_WithTheRequestIdEchoed()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        var bytes = RawControlClient.Encode(MessageType.Hello, 0x1234_5678, RawControlClient.HelloBody());
        bytes[0] ^= 0xFF;
        raw.SendRaw(bytes);
        string text = raw.ExpectError(ErrorCode.Malformed, 0x1234_5678, MessageType.Hello);
        Assert.Contains("magic", text, StringComparison.OrdinalIgnoreCase);
        AssertNothingChanged(raw);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(-40)]
    public void LengthFieldDifferentFromBytesReceived_IsRefusedAsMalformed(int delta)
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        var bytes = RawControlClient.Encode(MessageType.Hello, 5, RawControlClient.HelloBody());
        MemoryMarshal.Write(bytes.AsSpan(8), (uint)(bytes.Length + delta));
        raw.SendRaw(bytes);
        raw.ExpectError(ErrorCode.Malformed, 5, MessageType.Hello);
        AssertNothingChanged(raw);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(15)]
    public void MessageShorterThanAHeader_IsRefusedAsMalformed(int length)
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        var bytes = RawControlClient.Encode(MessageType.Hello, 9, RawControlClient.HelloBody()).AsSpan(0, length);
        raw.SendRaw(bytes);
        // Too short to carry a request id or a type: the reply says 0 for both.
        raw.ExpectError(ErrorCode.Malformed, 0, 0);
        AssertNothingChanged(raw);
    }

    [Fact]
    public void ZeroLengthDatagram_IsTakenAsHangUp_AndDropsOnlyThatClient()
    {
        // recvmsg returning 0 is how a closed peer looks; SOCK_SEQPACKET can also carry an empty
        // datagram, which the broker cannot tell apart. It treats it as a hang-up of that client only.
        using var other = _broker.Connect("bystander");
        using var queue = other.OpenQueue(BrokerChecks.SmallGeometry);
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Hello();
        raw.SendRaw([]);
        Assert.True(raw.WaitClosed(5000), "the broker hung up on the client that sent an empty datagram");
        BrokerChecks.AssertRoundTrip(queue, 42);
        BrokerChecks.AssertServing(_broker);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(0xFFFF)]
    public void WrongHeaderVersion_IsRefusedAsUnsupportedVersion(ushort version)
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        var bytes = RawControlClient.Encode(MessageType.Hello, 11, RawControlClient.HelloBody());
        MemoryMarshal.Write(bytes.AsSpan(4), version);
        raw.SendRaw(bytes);
        string text = raw.ExpectError(ErrorCode.UnsupportedVersion, 11, MessageType.Hello);
        Assert.Contains(version.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        AssertNothingChanged(raw);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(2u)]
    [InlineData(uint.MaxValue)]
    public void HelloWithAnotherAbiVersion_IsRefusedAsUnsupportedVersion(uint abi)
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Send(MessageType.Hello, 12, RawControlClient.HelloBody(abi: abi));
        raw.ExpectError(ErrorCode.UnsupportedVersion, 12, MessageType.Hello);
        AssertNothingChanged(raw);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(39)]
    [InlineData(41)]
    [InlineData(200)]
    public void HelloBodyOfTheWrongSize_IsRefusedAsMalformed(int bodyBytes)
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        var bytes = new byte[MessageHeader.Size + bodyBytes];
        var header = new MessageHeader
        {
            Magic = AbiVersion.ControlMagic, Version = AbiVersion.Current, Type = (ushort)MessageType.Hello,
            Length = (uint)bytes.Length, RequestId = 13,
        };
        MemoryMarshal.Write(bytes, in header);
        if (bodyBytes >= 4)
        {
            MemoryMarshal.Write(bytes.AsSpan(MessageHeader.Size), AbiVersion.Current);
        }
        raw.SendRaw(bytes);
        raw.ExpectError(ErrorCode.Malformed, 13, MessageType.Hello);
        AssertNothingChanged(raw);
    }

    [Fact]
    public void HelloWithFlagsSet_IsRefusedAsMalformed()
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        var hello = RawControlClient.HelloBody();
        hello.Flags = 1;
        raw.Send(MessageType.Hello, 14, hello);
        raw.ExpectError(ErrorCode.Malformed, 14, MessageType.Hello);
        AssertNothingChanged(raw);
    }

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)6)]
    [InlineData((ushort)0x81)] // a reply type sent by a client
    [InlineData((ushort)0xFE)]
    [InlineData((ushort)0xFF)]
    [InlineData((ushort)0xFFFF)]
    public void UnknownMessageType_IsRefusedAsUnknownType(ushort type)
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Hello();
        raw.Send((MessageType)type, 15, new StatsRequest());
        raw.ExpectError(ErrorCode.UnknownType, 15, (MessageType)type);
        // The connection is still past Hello and works.
        raw.Send(MessageType.Stats, 16, new StatsRequest { QueueId = StatsRequest.AllQueues });
        using var stats = raw.Receive();
        Assert.Equal(MessageType.StatsReply, stats.Type);
        BrokerChecks.AssertServing(_broker);
    }

    [Theory]
    [InlineData(1025)] // one byte over: fits the broker's buffer, refused by size
    [InlineData(1100)] // truncated by recvmsg (MSG_TRUNC)
    [InlineData(60000)]
    public void OversizedMessage_IsRefusedAsTooLarge_WithTheRequestIdEchoed(int size)
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        var bytes = new byte[size];
        var header = new MessageHeader
        {
            Magic = AbiVersion.ControlMagic, Version = AbiVersion.Current, Type = (ushort)MessageType.Hello,
            Length = (uint)size, RequestId = 17,
        };
        MemoryMarshal.Write(bytes, in header);
        raw.SendRaw(bytes);
        string text = raw.ExpectError(ErrorCode.TooLarge, 17, MessageType.Hello);
        Assert.Contains("1024", text, StringComparison.Ordinal);
        // The rest of the datagram was discarded, not read as further messages.
        Assert.Null(raw.TryReceive(100));
        AssertNothingChanged(raw);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(SeqPacketSocket.MaxFds)]
    public void MessageCarryingDescriptors_IsRefused_AndTheBrokerClosesThem(int count)
    {
        using var raw = RawControlClient.Connect(_broker.SocketPath);
        raw.Hello();
        Assert.True(BrokerChecks.WaitUntil(() => _broker.FdCount > 0, TimeSpan.FromSeconds(1)));
        int baseline = _broker.FdCount;
        var fds = new List<FileDescriptor>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                fds.Add(i % 2 == 0 ? Memfd.Create("hostile", 1 << 20) : new EventFd().Handle);
            }
            int[] numbers = [.. fds.Select(f => f.Fd)];
            // A well-formed request with descriptors attached, and a malformed one: both refused for the fds.
            raw.Send(MessageType.Stats, 18, new StatsRequest { QueueId = StatsRequest.AllQueues }, numbers);
            raw.ExpectError(ErrorCode.UnexpectedFds, 18, MessageType.Stats);
            raw.SendRaw([1, 2, 3], numbers);
            raw.ExpectError(ErrorCode.UnexpectedFds, 0, 0);
        }
        finally
        {
            foreach (var fd in fds)
            {
                fd.Dispose();
            }
        }
        BrokerChecks.AssertFdsBackTo(_broker, baseline);
        raw.Send(MessageType.Stats, 19, new StatsRequest { QueueId = StatsRequest.AllQueues });
        using var stats = raw.Receive();
        Assert.Equal(MessageType.StatsReply, stats.Type);
        BrokerChecks.AssertServing(_broker);
    }
}
