using System.Runtime.InteropServices;
using Mediator.Broker.Mediation;
using Mediator.Broker.Vhost;
using Mediator.Native;
using Mediator.Policies;
using Mediator.Tests.Policies;
using Mediator.Vhost;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mediator.Tests.Broker.Vhost;

/// <summary>
/// The vhost-user message reader in-process over a socket pair: messages arriving in pieces are
/// reassembled, replies are well-formed, and a bad message ends the connection (no rings are started
/// here, so no data path is needed).
/// </summary>
public sealed class VhostConnectionTests : IDisposable
{
    private readonly PolicyHarness _harness = new(new ClientPolicy { Name = "t" });
    private readonly SessionSet _dataPath = new(s => s.Events.TxKick);
    private readonly UnixStreamSocket _front;
    private readonly VhostConnection _connection;

    public VhostConnectionTests()
    {
        var (front, back) = UnixStreamSocket.Pair();
        _front = front;
        var port = new VhostPort(_harness.Session, _dataPath, 64);
        _connection = new VhostConnection(1, back, () => (port, null), requireSealed: false, NullLogger.Instance);
    }

    private static byte[] Message(VhostRequest request, byte[] payload, uint flags = VhostMessageHeader.Version1)
    {
        var m = new byte[VhostMessageHeader.Size + payload.Length];
        var h = new VhostMessageHeader { Request = (uint)request, Flags = flags, PayloadSize = (uint)payload.Length };
        MemoryMarshal.Write(m, in h);
        payload.CopyTo(m, VhostMessageHeader.Size);
        return m;
    }

    private ulong ReadReply(VhostRequest expected)
    {
        var buffer = new byte[20];
        int have = 0;
        var fds = new List<FileDescriptor>();
        var end = DateTime.UtcNow.AddSeconds(5);
        while (have < 20 && DateTime.UtcNow < end)
        {
            Poller.WaitReadable(_front.Handle.Fd, 100);
            int n = _front.Receive(buffer.AsSpan(have), fds, out _);
            have += Math.Max(n, 0);
        }
        Assert.Equal(20, have);
        var h = MemoryMarshal.Read<VhostMessageHeader>(buffer);
        Assert.Equal((uint)expected, h.Request);
        Assert.Equal(VhostMessageHeader.Version1 | VhostMessageHeader.ReplyFlag, h.Flags);
        Assert.Equal(8u, h.PayloadSize);
        return MemoryMarshal.Read<ulong>(buffer.AsSpan(12));
    }

    [Fact]
    public void A_message_that_arrives_byte_by_byte_is_reassembled_and_answered()
    {
        var bytes = Message(VhostRequest.SetFeatures, BitConverter.GetBytes(VirtioFeatures.Version1), VhostMessageHeader.Version1 | VhostMessageHeader.NeedReplyFlag);
        for (int i = 0; i < bytes.Length - 1; i++)
        {
            _front.Send(bytes.AsSpan(i, 1));
            Assert.True(_connection.Serve()); // a partial message waits, nothing is refused
        }
        _front.Send(bytes.AsSpan(bytes.Length - 1));
        Assert.True(_connection.Serve());
        Assert.Equal(0UL, ReadReply(VhostRequest.SetFeatures));
        Assert.Equal(VirtioFeatures.Version1, _connection.Features);

        // Two messages in one write are both handled.
        _front.Send([.. Message(VhostRequest.GetFeatures, []), .. Message(VhostRequest.GetQueueNum, [])]);
        Assert.True(_connection.Serve());
        Assert.Equal(VirtioFeatures.Offered, ReadReply(VhostRequest.GetFeatures));
        Assert.Equal(1UL, ReadReply(VhostRequest.GetQueueNum));
    }

    public static TheoryData<string> Bad => ["flags", "size", "oversize", "unknown", "features"];

    [Theory]
    [MemberData(nameof(Bad))]
    public void A_bad_message_ends_the_connection(string kind)
    {
        byte[] m = kind switch
        {
            "flags" => Message(VhostRequest.GetFeatures, [], flags: 0x11),
            "size" => Message(VhostRequest.SetFeatures, new byte[7]),
            "oversize" => Message(VhostRequest.SetMemTable, new byte[VhostMessageHeader.MaxPayload + 8]),
            "unknown" => Message((VhostRequest)200, []),
            _ => Message(VhostRequest.SetFeatures, BitConverter.GetBytes(VirtioFeatures.EventIndex)),
        };
        _front.Send(m);
        Assert.False(_connection.Serve());
    }

    [Fact]
    public void A_closed_peer_ends_the_connection()
    {
        _front.Dispose();
        Assert.False(_connection.Serve());
    }

    public void Dispose()
    {
        _connection.Dispose();
        _front.Dispose();
        _dataPath.Dispose();
        _harness.Dispose();
    }
}
