using Mediator.Native;

namespace Mediator.Tests.Shared.Native;

/// <summary>
/// SCM_RIGHTS over a socket pair. Odd counts matter: a cmsg_len padded to 8 bytes (Tmds.LibC's
/// CMSG_LEN) makes the kernel read one descriptor too many, so 1, 3 and 7 fds would arrive as 2, 4, 8.
/// </summary>
public unsafe class FdPassingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(8)]
    public void Exactly_the_fds_sent_arrive_and_refer_to_the_same_memfds(int count)
    {
        var (a, b) = SeqPacketSocket.Pair();
        using var _a = a;
        using var _b = b;
        var memfds = Enumerable.Range(0, count).Select(i => Memfd.Create($"pass-{i}", 4096)).ToList();
        var views = memfds.Select(fd => MappedMemory.Map(fd, 4096, MapAccess.ReadWrite)).ToList();
        try
        {
            a.Send("open"u8, [.. memfds.Select(f => f.Fd)]);
            var buffer = new byte[64];
            var message = b.Receive(buffer, 5000);
            Assert.NotNull(message);
            try
            {
                Assert.Equal(4, message.Length);
                Assert.False(message.Truncated);
                Assert.Equal(count, message.Fds.Count);
                for (int i = 0; i < count; i++)
                {
                    Assert.NotEqual(memfds[i].Fd, message.Fds[i].Fd);
                    using var received = MappedMemory.Map(message.Fds[i], 4096, MapAccess.ReadWrite);
                    views[i].Pointer[7] = (byte)(0x40 + i);
                    Assert.Equal((byte)(0x40 + i), received.Pointer[7]); // same file, in the order sent
                    received.Pointer[8] = 0x99;
                    Assert.Equal(0x99, views[i].Pointer[8]);
                }
            }
            finally
            {
                message.DisposeFds();
            }
        }
        finally
        {
            views.ForEach(v => v.Dispose());
            memfds.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public void A_message_without_fds_receives_none()
    {
        var (a, b) = SeqPacketSocket.Pair();
        using var _a = a;
        using var _b = b;
        a.Send("x"u8);
        var message = b.Receive(new byte[8], 5000);
        Assert.NotNull(message);
        Assert.Empty(message.Fds);
    }

    [Fact]
    public void More_than_MaxFds_is_refused_before_sending()
    {
        var (a, b) = SeqPacketSocket.Pair();
        using var _a = a;
        using var _b = b;
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Send("x"u8, new int[SeqPacketSocket.MaxFds + 1]));
    }

    [Fact]
    public void Received_fds_are_close_on_exec()
    {
        var (a, b) = SeqPacketSocket.Pair();
        using var _a = a;
        using var _b = b;
        using var ev = new EventFd();
        a.Send("x"u8, [ev.Handle.Fd]);
        var message = b.Receive(new byte[8], 5000)!;
        try
        {
            int flags = Tmds.Linux.LibC.fcntl(message.Fds[0].Fd, Tmds.Linux.LibC.F_GETFD);
            Assert.Equal(Tmds.Linux.LibC.FD_CLOEXEC, flags & Tmds.Linux.LibC.FD_CLOEXEC);
        }
        finally
        {
            message.DisposeFds();
        }
    }
}
