using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Broker.Mediation;

/// <summary>
/// The receive half of the data path, run by the data-path thread for one queue per round: forward
/// fill refusals from the re-arm worker, then move frames the device wrote (DD set) into the client's
/// RX ring, give those frames back to the client, and publish how far the device RX ring is clean so
/// the re-arm worker can reuse the slots.
/// </summary>
internal static class RxPath
{
    /// <summary>Serves one queue; returns entries written to the client's RX ring. <paramref name="rearm"/> is null when this thread re-arms inline.</summary>
    public static int Run(QueueSession s, uint budget, RearmSignal? rearm)
    {
        var rx = s.Rx;
        var driver = s.Driver;
        var counters = s.DataPathCounters;
        uint free = rx.Free(budget);
        if (free == 0)
        {
            // A full ring: the client has everything to read; make sure a sleeping one knows.
            if (s.RxNotifier.Owed && s.RxNotifier.ShouldSignal(rx, wroteNow: false, moreComing: false))
            {
                s.Events.RxNotify.Signal();
                counters.Increment(QueueCounter.Notifications);
            }
            return 0;
        }
        uint max = Math.Min(free, budget);
        uint slot = rx.Producer;
        uint written = 0;

        uint refusals = s.FillRefusalsIn.Peek(max, out uint r);
        for (uint i = 0; i < refusals; i++)
        {
            rx[slot + written++] = s.FillRefusalsIn.Read(r + i);
        }
        s.FillRefusalsIn.Release(refusals);
        if (refusals != 0)
        {
            rearm?.WakeIfSleeping(); // a worker asleep on a full refusal ring can take fill entries again
        }

        // Acquire: descriptors and shadow entries below RxArmed were written by the re-arm worker.
        uint armed = Volatile.Read(ref s.RxArmed);
        uint cleaned = s.RxCleaned;
        long bytes = 0;
        bool stream = s.StreamCompletions;
        while (cleaned != armed && written < max && driver.RxDone(cleaned, out uint length, out bool error))
        {
            ulong offset = s.RxShadow[cleaned & driver.RxMask];
            CompletionStore.Write(ref rx[slot + written], offset, length, error ? RequestStatus.DeviceError : RequestStatus.Ok, stream);
            s.Ownership.ReleaseRx((uint)(offset >> s.FrameShift));
            bytes += length;
            written++;
            cleaned++;
        }
        uint delivered = cleaned - s.RxCleaned;
        if (written == 0)
        {
            if (s.RxNotifier.Owed && s.RxNotifier.ShouldSignal(rx, wroteNow: false, moreComing: false))
            {
                s.Events.RxNotify.Signal();
                counters.Increment(QueueCounter.Notifications);
            }
            return 0;
        }
        CompletionStore.Publish(rx, written, stream);
        if (delivered != 0)
        {
            // Release: the device slots below RxCleaned are free for the re-arm worker (which
            // acquire-loads this) only after we finished reading their write-backs.
            Volatile.Write(ref s.RxCleaned, cleaned);
            counters.Add(QueueCounter.RxDelivered, delivered);
            counters.Add(QueueCounter.RxBytes, bytes);
            rearm?.WakeIfSleeping();
        }
        // Not deferred (the broker cannot know whether more frames are coming), but never twice for one sleep.
        if (s.RxNotifier.ShouldSignal(rx, wroteNow: true, moreComing: false))
        {
            s.Events.RxNotify.Signal();
            counters.Increment(QueueCounter.Notifications);
        }
        return (int)written;
    }
}
