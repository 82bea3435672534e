using System.Diagnostics;
using Mediator.Abi;
using Mediator.Control;
using Mediator.Native;

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
        var policy = s.PacketPolicy; // once per batch: a reload takes effect at a round boundary
        uint inFlight = s.TxPosted - s.TxCleaned;
        uint free = completions.Free(inFlight + budget);
        uint slot = completions.Producer;
        uint written = 0;

        bool stream = s.StreamCompletions;

        // 1. Reap: frames whose last descriptor the device wrote DD into, in ring order.
        long bytes = 0;
        uint cleaned = s.TxCleaned;
        uint descriptors = s.TxDescriptorsCleaned;
        while (cleaned != s.TxPosted && written < free)
        {
            uint segments = s.TxSegments[descriptors & driver.TxMask];
            if (!driver.TxDone(descriptors + segments - 1))
            {
                break;
            }
            ref TxRequest done = ref s.TxShadow[descriptors & driver.TxMask];
            CompletionStore.Write(ref completions[slot + written], done.Offset, done.Length, RequestStatus.Ok, stream);
            s.Ownership.ReleaseTx((uint)(done.Offset >> s.FrameShift));
            bytes += done.Length;
            written++;
            cleaned++;
            descriptors += segments;
        }
        uint reaped = cleaned - s.TxCleaned;
        s.TxCleaned = cleaned;
        s.TxDescriptorsCleaned = descriptors;
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
            // Frames whose header the broker posts from its own memory take two descriptors.
            uint deviceRoom = (driver.TxSize - 1 - (s.TxDescriptorsPosted - s.TxDescriptorsCleaned)) / (policy.ChecksHeaders ? 2u : 1u);
            uint max = Math.Min(Math.Min(budget, (uint)MaxBatch), Math.Min(completionRoom, deviceRoom));
            uint index = 0;
            taken = max == 0 ? 0 : s.TxRequests.Peek(max, out index);
            if (taken != 0)
            {
                written += Intake(s, policy, index, taken, slot + written);
            }
        }
        // Every hostile index the data path's rings refused: the client's TX producer, and its
        // consumer indices of the completion and RX rings (the counter mirrors the rings' tallies).
        long invalid = s.TxRequests.InvalidProducerIndex + s.Completions.InvalidConsumerIndex + s.Rx.InvalidConsumerIndex;
        if (invalid != 0)
        {
            counters.Add(QueueCounter.RingIndexInvalid, invalid - counters.Read(QueueCounter.RingIndexInvalid));
        }

        if (written != 0)
        {
            CompletionStore.Publish(completions, written, stream);
        }
        // A sleeping client is signalled moderated (SleeperNotifier): while more of its frames are at the
        // device, once per batch of completions; never twice for one sleep.
        if ((written != 0 || s.TxNotifier.Owed) && s.TxNotifier.ShouldSignal(completions, written != 0, moreComing: s.TxPosted != s.TxCleaned))
        {
            s.Events.TxNotify.Signal();
            counters.Increment(QueueCounter.Notifications);
        }
        return (int)(reaped + taken);
    }

    /// <summary>
    /// Whether <see cref="Run"/> has room to take at least one request now: a completion slot beyond
    /// those owed to requests at the device, and two free device descriptors (a frame takes at most two).
    /// </summary>
    public static bool HasRoom(QueueSession s)
    {
        uint inFlight = s.TxPosted - s.TxCleaned;
        uint deviceRoom = s.Driver.TxSize - 1 - (s.TxDescriptorsPosted - s.TxDescriptorsCleaned);
        return deviceRoom >= 2 && s.Completions.Free(inFlight + 1) > inFlight;
    }

    private static unsafe uint Intake(QueueSession s, PacketPolicy policy, uint index, uint n, uint completionSlot)
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
        byte* umem = s.Memory.Umem.Pointer;
        bool headers = policy.ChecksHeaders;
        for (uint i = 0; i < n; i++)
        {
            RequestStatus st = TxValidator.Validate(in batch[i], s.UmemSize, s.FrameMask, s.MaxFrameLength);
            if (st == RequestStatus.Ok)
            {
                if (headers)
                {
                    // The client's core wrote this header last, so pass 2's copy of it misses: start all
                    // the batch's misses now (validated, so inside the UMEM) and let them overlap.
                    Prefetch.ForRead(umem + batch[i].Offset);
                }
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

        // Pass 2: back off frames the re-arm worker holds; apply the packet policy; post the rest,
        // refuse the others.
        var driver = s.Driver;
        var completions = s.Completions;
        uint posted = s.TxPosted;
        uint slotAt = s.TxDescriptorsPosted;
        uint refused = 0;
        bool limits = policy.Limits;
        var limiter = s.RateLimiter;
        long frequency = Stopwatch.Frequency;
        if (limits)
        {
            limiter.Refill(policy, Stopwatch.GetTimestamp());
        }
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
                    uint segments = 1;
                    if (headers)
                    {
                        st = PostWithHeader(s, policy, umem, ref r, slotAt, limits, frequency, out segments);
                    }
                    else if (limits && !limiter.TryConsume(policy, r.Length, frequency))
                    {
                        st = RequestStatus.RateLimited;
                    }
                    else
                    {
                        driver.WriteTx(slotAt, driver.UmemBusAddress + r.Offset, r.Length);
                    }
                    if (st == RequestStatus.Ok)
                    {
                        s.TxShadow[slotAt & driver.TxMask] = r;
                        s.TxSegments[slotAt & driver.TxMask] = (byte)segments;
                        slotAt += segments;
                        posted++;
                        continue;
                    }
                    ownership.ReleaseTx(frame);
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
            s.TxDescriptorsPosted = slotAt;
            driver.RingTxDoorbell(slotAt); // one doorbell write for the whole batch
            counters.Add(QueueCounter.TxAccepted, accepted);
        }
        if (refused != 0)
        {
            counters.Add(QueueCounter.TxRefused, refused);
        }
        return refused;
    }

    /// <summary>
    /// Copies the frame's header out of the client's UMEM into the broker-private header slot of
    /// <paramref name="slot"/> — the only read of those bytes — checks the copy, charges the rate limiter
    /// and writes the frame as two descriptors: the checked header from broker memory (with a VLAN tag
    /// inserted when the policy says so), then the rest from the UMEM. The device therefore sends exactly
    /// the header that was checked, whatever the client writes into its frame meanwhile.
    /// </summary>
    private static unsafe RequestStatus PostWithHeader(QueueSession s, PacketPolicy policy, byte* umem, ref TxRequest r, uint slot,
        bool limits, long frequency, out uint segments)
    {
        segments = 0;
        var driver = s.Driver;
        byte* header = driver.TxHeader(slot);
        bool insert = policy.Inserts;
        // A small frame is copied whole (one descriptor, nothing left for the client to change); a
        // larger one only its first 18 bytes.
        bool whole = r.Length + (insert ? PacketPolicy.TagBytes : 0u) <= QueueDriver.TxHeaderSlot;
        uint copied = whole ? r.Length : PacketPolicy.HeaderBytes;
        Buffer.MemoryCopy(umem + r.Offset, header, QueueDriver.TxHeaderSlot, copied);
        RequestStatus st = policy.CheckHeader(header, r.Length);
        if (st != RequestStatus.Ok)
        {
            return st;
        }
        uint wireLength = r.Length + (insert ? PacketPolicy.TagBytes : 0u);
        if (limits && !s.RateLimiter.TryConsume(policy, wireLength, frequency))
        {
            return RequestStatus.RateLimited;
        }
        uint fromHeader = copied;
        if (insert)
        {
            if (whole)
            {
                // Make room for the tag: bytes 12.. move up by 4 (overlap-safe copy).
                Buffer.MemoryCopy(header + 12, header + 12 + PacketPolicy.TagBytes, QueueDriver.TxHeaderSlot - 16, r.Length - 12);
            }
            else
            {
                fromHeader = 14; // client bytes 0..13 become the 18-byte tagged header
            }
            policy.InsertTag(header);
        }
        uint headerLength = fromHeader + (insert ? PacketPolicy.TagBytes : 0u);
        uint rest = r.Length - fromHeader;
        driver.WriteTxHeader(slot, headerLength, wireLength, last: rest == 0);
        if (rest != 0)
        {
            driver.WriteTxLast(slot + 1, driver.UmemBusAddress + r.Offset + fromHeader, rest);
        }
        segments = rest == 0 ? 1u : 2u;
        return RequestStatus.Ok;
    }
}
