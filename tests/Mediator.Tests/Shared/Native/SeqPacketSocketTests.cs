using Mediator.Native;
using static Tmds.Linux.LibC;

namespace Mediator.Tests.Shared.Native;

public class SeqPacketSocketTests
{
    [Fact]
    public void Message_boundaries_are_kept()
    {
        var (a, b) = SeqPacketSocket.Pair();
        using var _a = a;
        using var _b = b;
        a.Send(new byte[3]);
        a.Send(new byte[100]);
        a.Send(new byte[1]);
        var buffer = new byte[1024];
        Assert.Equal(3, b.Receive(buffer, 5000)!.Length);
        Assert.Equal(100, b.Receive(buffer, 5000)!.Length);
        Assert.Equal(1, b.Receive(buffer, 5000)!.Length);
    }

    [Fact]
    public void Bytes_arrive_intact()
    {
        var (a, b) = SeqPacketSocket.Pair();
        using var _a = a;
        using var _b = b;
        byte[] sent = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        a.Send(sent);
        var buffer = new byte[1024];
        var message = b.Receive(buffer, 5000)!;
        Assert.Equal(sent, buffer[..message.Length]);
    }

    [Fact]
    public void A_message_longer_than_the_buffer_is_truncated()
    {
        var (a, b) = SeqPacketSocket.Pair();
        using var _a = a;
        using var _b = b;
        a.Send(new byte[100]);
        a.Send(new byte[5]);
        var buffer = new byte[10];
        var message = b.Receive(buffer, 5000)!;
        Assert.True(message.Truncated);
        Assert.False(message.Closed);
        Assert.Equal(10, message.Length);
        // The rest of the long message is gone; the next read is the next message.
        Assert.Equal(5, b.Receive(buffer, 5000)!.Length);
    }

    [Fact]
    public void Peer_close_is_reported_as_closed()
    {
        var (a, b) = SeqPacketSocket.Pair();
        using var _b = b;
        a.Dispose();
        var message = b.Receive(new byte[16], 5000);
        Assert.NotNull(message);
        Assert.True(message.Closed);
    }

    [Fact]
    public void Sending_to_a_closed_peer_throws_instead_of_raising_SIGPIPE()
    {
        var (a, b) = SeqPacketSocket.Pair();
        using var _a = a;
        b.Dispose();
        var e = Assert.Throws<NativeException>(() => a.Send("x"u8));
        Assert.Equal(Errno.EPIPE, e.Errno);
    }

    [Fact]
    public void Receive_times_out_with_null()
    {
        var (a, b) = SeqPacketSocket.Pair();
        using var _a = a;
        using var _b = b;
        long start = Environment.TickCount64;
        Assert.Null(b.Receive(new byte[16], 50));
        Assert.InRange(Environment.TickCount64 - start, 40, 5000);
    }

    [Fact]
    public void Peer_credentials_are_this_process()
    {
        var (a, b) = SeqPacketSocket.Pair();
        using var _a = a;
        using var _b = b;
        var cred = b.GetPeerCredentials();
        Assert.Equal(Environment.ProcessId, cred.Pid);
        Assert.Equal((uint)getuid(), cred.Uid);
        Assert.Equal((uint)getgid(), cred.Gid);
        Assert.Equal(Environment.ProcessPath, cred.ExecutablePath);
    }

    [Fact]
    public void Listen_connect_accept_over_a_path()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mediator-test-{Guid.NewGuid():N}.sock");
        try
        {
            using var listener = SeqPacketSocket.Listen(path);
            using var client = SeqPacketSocket.Connect(path);
            using var server = listener.Accept(5000);
            Assert.NotNull(server);
            client.Send("hello"u8);
            Assert.Equal(5, server.Receive(new byte[16], 5000)!.Length);
            Assert.Equal(Environment.ProcessId, server.GetPeerCredentials().Pid);
            Assert.Null(listener.Accept(10));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Too_long_a_socket_path_is_refused() =>
        Assert.Throws<ArgumentException>(() => SeqPacketSocket.Connect("/tmp/" + new string('x', 200)));
}
