using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Broker.Mediation;

/// <summary>
/// The re-arm step, run by the re-arm worker thread (in parallel with the data path) for one queue:
/// take a batch of fill entries, copy and validate each once, claim its frame for RX, write device RX
/// descriptors for the good ones and ring the RX doorbell once; refusals go back to the client through
/// the data path, on its RX ring, with the reason.
/// </summary>
internal static class RxRearm
{
    /// <summary>Most fill entries taken from one queue in one pass.</summary>
    public const int MaxBatch = 1024;

    /// <summary>Serves one queue; returns fill entries taken.</summary>
    public static int Run(QueueSession s, uint budget)
    {
        if (s.Closing || !s.BrokerDrivesRx)
        {
            return 0; // DirectMap: the client arms the device RX ring itself
        }
        var driver = s.Driver;
        // Acquire: the data path finished with device slots below RxCleaned.
        uint cleaned = Volatile.Read(ref s.RxCleaned);
        uint armed = s.RxArmed;
        uint deviceRoom = driver.RxSize - 1 - (armed - cleaned);
        uint refusalRoom = s.FillRefusalsOut.Free((uint)MaxBatch);
        uint max = Math.Min(Math.Min(budget, (uint)MaxBatch), Math.Min(deviceRoom, refusalRoom));
        if (max == 0)
        {
            return 0;
        }
        uint n = s.Fill.Peek(max, out uint index);
        var counters = s.RearmCounters;
        if (s.Fill.InvalidProducerIndex != 0)
        {
            // A fill producer index claiming more than the ring holds is ignored by the ring; count it.
            counters.Add(QueueCounter.RingIndexInvalid, s.Fill.InvalidProducerIndex - counters.Read(QueueCounter.RingIndexInvalid));
        }
        if (n == 0)
        {
            return 0;
        }
        var batch = s.FillBatch;
        var status = s.FillBatchStatus;
        var ownership = s.Ownership;
        for (uint i = 0; i < n; i++)
        {
            batch[i] = s.Fill.Read(index + i); // the one fetch
        }
        counters.Add(QueueCounter.FillRequests, n);

        for (uint i = 0; i < n; i++)
        {
            RequestStatus st = TxValidator.ValidateFill(in batch[i], s.UmemSize, s.FrameMask);
            if (st == RequestStatus.Ok)
            {
                uint frame = (uint)(batch[i].Offset >> s.FrameShift);
                if (ownership.IsRxFree(frame))
                {
                    ownership.ClaimRx(frame);
                }
                else
                {
                    st = RequestStatus.FrameNotOwned;
                }
            }
            status[i] = st;
        }
        FrameOwnership.Fence();

        uint refusalSlot = s.FillRefusalsOut.Producer;
        uint refused = 0;
        for (uint i = 0; i < n; i++)
        {
            ulong offset = batch[i].Offset;
            RequestStatus st = status[i];
            if (st == RequestStatus.Ok)
            {
                uint frame = (uint)(offset >> s.FrameShift);
                if (ownership.IsTxInFlight(frame))
                {
                    ownership.ReleaseRx(frame);
                    st = RequestStatus.FrameNotOwned;
                }
                else
                {
                    driver.WriteRx(armed, driver.UmemBusAddress + offset);
                    s.RxShadow[armed & driver.RxMask] = offset;
                    armed++;
                    continue;
                }
            }
            ref Completion c = ref s.FillRefusalsOut[refusalSlot + refused];
            c.Offset = offset;
            c.Length = 0;
            c.Status = (ushort)st;
            c.Reserved = 0;
            counters.Increment(QueueCounters.ForRefusal(st));
            refused++;
        }
        if (refused != 0)
        {
            s.FillRefusalsOut.Submit(refused);
            counters.Add(QueueCounter.FillRefused, refused);
        }
        uint added = armed - s.RxArmed;
        if (added != 0)
        {
            // Release: descriptors and shadow entries are written before the data path sees them.
            Volatile.Write(ref s.RxArmed, armed);
            driver.RingRxDoorbell(armed);
            counters.Add(QueueCounter.RxArmed, added);
        }
        // Released only now: when the client sees its fill entries consumed, the buffers are armed
        // at the device (or refused), so a frame sent right after cannot miss them.
        s.Fill.Release(n);
        return (int)n;
    }
}
