using BenchmarkDotNet.Attributes;
using Mediator.Native;

namespace Mediator.Bench.Native;

/// <summary>
/// An eventfd signal + wake round trip between two threads: this thread signals <c>ping</c> and blocks
/// in poll(2) on <c>pong</c>; the other thread blocks on <c>ping</c>, consumes it and signals
/// <c>pong</c>. One operation = one round trip = two write(2), two read(2), two poll(2) wake-ups.
/// This is what an eventfd crossing costs when the other side really sleeps (need-wakeup set);
/// busy-polling sides pay none of it. On a VM a sleeping vCPU is expensive to wake.
/// </summary>
[MemoryDiagnoser]
public class EventFdBenchmarks : IDisposable
{
    private const int RoundTripsPerInvoke = 200;
    private EventFd _ping = null!;
    private EventFd _pong = null!;
    private EventFd _solo = null!;
    private Thread _echo = null!;
    private volatile bool _stop;

    [GlobalSetup]
    public void Setup()
    {
        _ping = new EventFd();
        _pong = new EventFd();
        _solo = new EventFd();
        _stop = false;
        _echo = new Thread(() =>
        {
            while (!_stop)
            {
                if (_ping.Wait(100))
                {
                    _pong.Signal();
                }
            }
        }) { IsBackground = true, Name = "eventfd echo" };
        _echo.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _ping.Signal();
        _echo.Join();
        Dispose();
    }

    [Benchmark(OperationsPerInvoke = RoundTripsPerInvoke)]
    public int SignalWakeRoundTrip()
    {
        int n = 0;
        for (int i = 0; i < RoundTripsPerInvoke; i++)
        {
            _ping.Signal();
            if (_pong.Wait(1000))
            {
                n++;
            }
        }
        return n;
    }

    /// <summary>write(2) + read(2) on one eventfd, one thread: the system-call floor of a kick.</summary>
    [Benchmark]
    public ulong SignalConsumeSameThread()
    {
        _solo.Signal();
        return _solo.TryConsume();
    }

    public void Dispose()
    {
        _ping?.Dispose();
        _pong?.Dispose();
        _solo?.Dispose();
    }
}
