using Mediator.Native;

namespace Mediator.Tests.Shared.Native;

public class EventFdTests
{
    [Fact]
    public void Signals_add_up_and_consume_clears()
    {
        using var ev = new EventFd();
        Assert.Equal(0UL, ev.TryConsume());
        ev.Signal();
        ev.Signal();
        Assert.Equal(2UL, ev.TryConsume());
        Assert.Equal(0UL, ev.TryConsume());
    }

    [Fact]
    public void Wait_times_out_when_nobody_signals()
    {
        using var ev = new EventFd();
        long start = Environment.TickCount64;
        Assert.False(ev.Wait(30));
        Assert.InRange(Environment.TickCount64 - start, 20, 5000);
    }

    [Fact]
    public void Wait_returns_at_once_when_signalled_and_consumes()
    {
        using var ev = new EventFd();
        ev.Signal();
        Assert.True(ev.Wait(5000));
        Assert.Equal(0UL, ev.TryConsume());
    }

    [Fact]
    public void A_signal_from_another_thread_wakes_a_waiter()
    {
        using var ev = new EventFd();
        var signaller = new Thread(ev.Signal);
        signaller.Start();
        Assert.True(ev.Wait(5000));
        Assert.True(signaller.Join(5000));
    }

    [Fact]
    public void A_passed_eventfd_is_the_same_counter()
    {
        var (a, b) = SeqPacketSocket.Pair();
        using var _a = a;
        using var _b = b;
        using var mine = new EventFd();
        a.Send("k"u8, [mine.Handle.Fd]);
        var message = b.Receive(new byte[8], 5000)!;
        using var theirs = new EventFd(message.Fds[0]);
        theirs.Signal();
        Assert.Equal(1UL, mine.TryConsume());
    }

    [Fact]
    public void Poller_names_the_readable_descriptor()
    {
        using var a = new EventFd();
        using var b = new EventFd();
        b.Signal();
        Assert.Equal(1, Poller.WaitAnyReadable([a.Handle.Fd, b.Handle.Fd], 5000));
        Assert.Equal(-1, Poller.WaitAnyReadable([a.Handle.Fd], 0));
    }
}
