using Mediator.Native;

namespace Mediator.Tests.Shared.Native;

/// <summary>
/// The vhost-user transport: SCM_RIGHTS over a stream pair (exact counts, same files, descriptors with
/// the first byte only), descriptors without data refused, and the non-blocking receive's -1 / 0 results.
/// </summary>
public unsafe class UnixStreamSocketTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public void Exactly_the_fds_sent_arrive_with_the_data_and_refer_to_the_same_memfds(int count)
    {
        var (a, b) = UnixStreamSocket.Pair();
        using var _a = a;
        using var _b = b;
        var memfds = Enumerable.Range(0, count).Select(i => Memfd.Create($"stream-pass-{i}", 4096)).ToList();
        var received = new List<FileDescriptor>();
        try
        {
            a.Send("table"u8, [.. memfds.Select(f => f.Fd)]);
            var buffer = new byte[64];
            Assert.True(Poller.WaitReadable(b.Handle.Fd, 5000));
            int n = b.Receive(buffer, received, out bool truncated);
            Assert.Equal(5, n);
            Assert.Equal("table"u8.ToArray(), buffer[..5]);
            Assert.False(truncated);
            Assert.Equal(count, received.Count);
            for (int i = 0; i < count; i++)
            {
                Assert.NotEqual(memfds[i].Fd, received[i].Fd);
                using var sent = MappedMemory.Map(memfds[i], 4096, MapAccess.ReadWrite);
                using var view = MappedMemory.Map(received[i], 4096, MapAccess.ReadWrite);
                sent.Pointer[3] = (byte)(0x20 + i);
                Assert.Equal((byte)(0x20 + i), view.Pointer[3]); // same file, in the order sent
            }
        }
        finally
        {
            received.ForEach(f => f.Dispose());
            memfds.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public void Fds_without_data_are_refused_because_the_kernel_would_drop_them()
    {
        var (a, b) = UnixStreamSocket.Pair();
        using var _a = a;
        using var _b = b;
        using var memfd = Memfd.Create("stream-empty", 4096);
        Assert.Throws<ArgumentException>(() => a.Send(default, [memfd.Fd]));
        Assert.Equal(-1, b.Receive(new byte[8], [], out _));
    }

    [Fact]
    public void A_long_message_arrives_whole_and_carries_no_fds_after_the_first_read()
    {
        var (a, b) = UnixStreamSocket.Pair();
        using var _a = a;
        using var _b = b;
        using var memfd = Memfd.Create("stream-long", 4096);
        var data = Enumerable.Range(0, 20000).Select(i => (byte)i).ToArray();
        a.Send(data, [memfd.Fd]);
        var buffer = new byte[data.Length];
        var received = new List<FileDescriptor>();
        try
        {
            int have = 0;
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (have < data.Length && DateTime.UtcNow < deadline)
            {
                if (!Poller.WaitReadable(b.Handle.Fd, 200))
                {
                    continue;
                }
                // Small reads: the descriptor must come with the first, not be repeated later.
                int n = b.Receive(buffer.AsSpan(have, Math.Min(1000, data.Length - have)), received, out _);
                Assert.True(n > 0);
                have += n;
            }
            Assert.Equal(data, buffer);
            Assert.Single(received);
        }
        finally
        {
            received.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public void Receive_says_minus_one_when_nothing_waits_and_zero_when_the_peer_closed()
    {
        var (a, b) = UnixStreamSocket.Pair();
        using var _b = b;
        var fds = new List<FileDescriptor>();
        Assert.Equal(-1, b.Receive(new byte[8], fds, out _));
        a.Dispose();
        Assert.Equal(0, b.Receive(new byte[8], fds, out _));
        Assert.Empty(fds);
    }

    [Fact]
    public void More_than_MaxFds_is_refused_before_anything_is_sent()
    {
        var (a, b) = UnixStreamSocket.Pair();
        using var _a = a;
        using var _b = b;
        int[] tooMany = [.. Enumerable.Repeat(a.Handle.Fd, UnixStreamSocket.MaxFds + 1)];
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Send("x"u8, tooMany));
        Assert.Equal(-1, b.Receive(new byte[8], [], out _));
    }

    [Fact]
    public void The_peer_credentials_are_this_process()
    {
        var (a, b) = UnixStreamSocket.Pair();
        using var _a = a;
        using var _b = b;
        Assert.Equal(Environment.ProcessId, b.GetPeerCredentials().Pid);
    }
}
