using Mediator.Native;

namespace Mediator.Broker.Mediation;

/// <summary>
/// How the data path wakes the re-arm worker when it frees device RX slots: the worker sets
/// <see cref="Sleeping"/> before it sleeps (then re-checks its queues); the data path signals only
/// while that flag is set, so a polling worker costs the data path no system call.
/// </summary>
internal sealed class RearmSignal : IDisposable
{
    private int _sleeping;

    /// <summary>The worker's eventfd.</summary>
    public EventFd EventFd { get; } = new();

    /// <summary>Whether the worker said it sleeps.</summary>
    public bool Sleeping => Volatile.Read(ref _sleeping) != 0;

    /// <summary>Worker: about to sleep. Full fence so that the re-check that follows sees the data path's latest writes.</summary>
    public void EnterSleep()
    {
        Volatile.Write(ref _sleeping, 1);
        Interlocked.MemoryBarrier(); // store-load: flag visible before the worker re-reads RxCleaned
    }

    /// <summary>Worker: awake again.</summary>
    public void LeaveSleep() => Volatile.Write(ref _sleeping, 0);

    /// <summary>Data path: after publishing RxCleaned, wake the worker if it sleeps.</summary>
    public void WakeIfSleeping()
    {
        Interlocked.MemoryBarrier(); // store-load: RxCleaned visible before we read the flag
        if (Volatile.Read(ref _sleeping) != 0)
        {
            EventFd.Signal();
        }
    }

    public void Dispose() => EventFd.Dispose();
}
