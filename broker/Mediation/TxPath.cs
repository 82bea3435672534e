using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Broker.Mediation;

/// <summary>
/// The transmit half of the data path, run by the data-path thread for one queue per round:
/// reap what the device finished into the client's completion ring, then take a batch of new
/// requests — snapshot the producer index once, copy each request once into private memory,
/// validate the copy, check frame ownership, translate to a bus address — and post the whole batch
/// to the device TX ring with a single doorbell write.
/// </summary>
/// <remarks>
/// A request is taken only when the completion ring has room for it and for every request already at
/// the device, so every request taken completes exactly once, accepted or refused, however slowly the
/// client reaps.
/// </remarks>
internal static class TxPath
{
    /// <summary>Most requests taken from one queue in one round.</summary>
    public const int MaxBatch = 4096;

    /// <summary>Serves one queue; returns the work done (entries moved).</summary>
    public static int Run(QueueSession s, uint budget)
    {
        var completions = s.Completions;
        var driver = s.Driver;
        var counters = s.DataPathCounters;
        uint inFlight = s.TxPosted - s.TxCleaned;
        uint free = completions.Free(inFlight + budget);
        uint slot = completions.Producer;
        uint written = 0;

        // 1. Reap: descriptors the device wrote DD into, in ring order.
        long bytes = 0;
        uint cleaned = s.TxCleaned;
        while (cleaned != s.TxPosted && written < free && driver.TxDone(cleaned))
        {
            ref TxRequest done = ref s.TxShadow[cleaned & driver.TxMask];
            ref Completion c = ref completions[slot + written];
            c.Offset = done.Offset;
            c.Length = done.Length;
            c.Status = (ushort)RequestStatus.Ok;
            c.Reserved = 0;
            s.Ownership.ReleaseTx((uint)(done.Offset >> s.FrameShift));
            bytes += done.Length;
            written++;
            cleaned++;
        }
        uint reaped = cleaned - s.TxCleaned;
        s.TxCleaned = cleaned;
        if (reaped != 0)
        {
            counters.Add(QueueCounter.TxSent, reaped);
            counters.Add(QueueCounter.TxBytes, bytes);
        }

        // 2. Intake, bounded by the budget, completion room and device ring room.
        uint taken = 0;
        if (!s.Closing)
        {
            inFlight = s.TxPosted - s.TxCleaned;
            // An honest client only frees slots, so free >= written + inFlight. A client that moves its
            // consumer index backwards (still within the ring's window) can shrink free below what is
            // already owed; then take nothing rather than let the subtraction wrap and overfill the ring.
            uint owed = written + inFlight;
            uint completionRoom = free > owed ? free - owed : 0;
            uint deviceRoom = driver.TxSize - 1 - inFlight;
            uint max = Math.Min(Math.Min(budget, (uint)MaxBatch), Math.Min(completionRoom, deviceRoom));
            uint index = 0;
            taken = max == 0 ? 0 : s.TxRequests.Peek(max, out index);
            if (taken != 0)
            {
                written += Intake(s, index, taken, slot + written);
            }
        }
        if (s.TxRequests.InvalidProducerIndex != 0)
        {
            counters.Add(QueueCounter.RingIndexInvalid, s.TxRequests.InvalidProducerIndex - counters.Read(QueueCounter.RingIndexInvalid));
        }

        if (written != 0)
        {
            completions.Submit(written);
            if (completions.ConsumerNeedsWakeup())
            {
                s.Events.TxNotify.Signal();
                counters.Increment(QueueCounter.Notifications);
            }
        }
        return (int)(reaped + taken);
    }

    private static uint Intake(QueueSession s, uint index, uint n, uint completionSlot)
    {
        var batch = s.TxBatch;
        var status = s.TxBatchStatus;
        var ownership = s.Ownership;
        var counters = s.DataPathCounters;

        // The one fetch of each request: from here on only the private copy is used, so a client
        // rewriting the ring now changes nothing.
        for (uint i = 0; i < n; i++)
        {
            batch[i] = s.TxRequests.Read(index + i);
        }
        s.TxRequests.Release(n);
        counters.Add(QueueCounter.TxRequests, n);

        // Pass 1: the rules, then claim each frame for TX.
        for (uint i = 0; i < n; i++)
        {
            RequestStatus st = TxValidator.Validate(in batch[i], s.UmemSize, s.FrameMask, s.MaxFrameLength);
            if (st == RequestStatus.Ok)
            {
                uint frame = (uint)(batch[i].Offset >> s.FrameShift);
                if (ownership.IsTxFree(frame))
                {
                    ownership.ClaimTx(frame);
                }
                else
                {
                    st = RequestStatus.FrameNotOwned;
                }
            }
            status[i] = st;
        }
        FrameOwnership.Fence();

        // Pass 2: back off frames the re-arm worker holds; post the rest, refuse the others.
        var driver = s.Driver;
        var completions = s.Completions;
        uint posted = s.TxPosted;
        uint refused = 0;
        for (uint i = 0; i < n; i++)
        {
            ref TxRequest r = ref batch[i];
            RequestStatus st = status[i];
            if (st == RequestStatus.Ok)
            {
                uint frame = (uint)(r.Offset >> s.FrameShift);
                if (ownership.IsRxPosted(frame))
                {
                    ownership.ReleaseTx(frame);
                    st = RequestStatus.FrameNotOwned;
                }
                else
                {
                    driver.WriteTx(posted, driver.UmemBusAddress + r.Offset, r.Length);
                    s.TxShadow[posted & driver.TxMask] = r;
                    posted++;
                    continue;
                }
            }
            ref Completion c = ref completions[completionSlot + refused];
            c.Offset = r.Offset;
            c.Length = r.Length;
            c.Status = (ushort)st;
            c.Reserved = 0;
            counters.Increment(QueueCounters.ForRefusal(st));
            refused++;
        }
        uint accepted = posted - s.TxPosted;
        if (accepted != 0)
        {
            s.TxPosted = posted;
            driver.RingTxDoorbell(posted); // one doorbell write for the whole batch
            counters.Add(QueueCounter.TxAccepted, accepted);
        }
        if (refused != 0)
        {
            counters.Add(QueueCounter.TxRefused, refused);
        }
        return refused;
    }
}
