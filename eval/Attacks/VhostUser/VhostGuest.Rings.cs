using Mediator.Vhost;

namespace Mediator.Eval.Attacks.VhostUser;

/// <summary>The driver side of the guest's split virtqueues: posting RX buffers, publishing TX chains, reading the used rings.</summary>
public sealed unsafe partial class VhostGuest
{
    private ushort _rxAvail, _rxUsedSeen, _txAvail, _txUsedSeen;

    /// <summary>The descriptor table of the ring at offset <paramref name="ring"/> (to fill with anything).</summary>
    public VirtqDescriptor* Descriptors(int ring) => (VirtqDescriptor*)(Memory.Pointer + ring);

    /// <summary>The TX descriptor table (to fill with anything).</summary>
    public VirtqDescriptor* TxDescriptors => Descriptors(TxRing);

    /// <summary>The used index the broker wrote in the ring at offset <paramref name="ring"/>.</summary>
    public ushort UsedIdx(int ring) => Volatile.Read(ref *UsedIdxPointer(ring)); // acquire: pairs with the broker's release of the used index, so the entries below it are visible

    /// <summary>The TX used index the broker wrote.</summary>
    public ushort TxUsed => UsedIdx(TxRing);

    /// <summary>Chains published on TX so far.</summary>
    public ushort TxPublished => _txAvail;

    /// <summary>Used entry <paramref name="i"/> (mod ring size) of the ring at offset <paramref name="ring"/>.</summary>
    public VirtqUsedElement UsedEntry(int ring, uint i) => ((VirtqUsedElement*)(Memory.Pointer + ring + 0x2000 + 4))[i % RingSize];

    /// <summary>Posts <paramref name="count"/> device-writable buffers on the RX ring and kicks.</summary>
    public void PostRxBuffers(uint count)
    {
        for (uint i = 0; i < count; i++)
        {
            ushort slot = (ushort)(_rxAvail % RingSize);
            Descriptors(RxRing)[slot] = new VirtqDescriptor { Address = GuestBase + RxBuffers + (ulong)slot * BufferSize, Length = BufferSize, Flags = VirtqDescriptor.FlagWrite };
            *AvailEntry(RxRing, _rxAvail) = slot;
            _rxAvail++;
        }
        Volatile.Write(ref *AvailIdxPointer(RxRing), _rxAvail); // release: the descriptors and entries above are visible before the broker reads the index
        Kick[0].Signal();
    }

    /// <summary>Queues a frame (header + frame in one readable descriptor) on TX and, unless told not to, kicks.</summary>
    public void SendFrame(ReadOnlySpan<byte> frame, bool kick = true)
    {
        ushort d = (ushort)(_txAvail % RingSize);
        byte* buffer = Memory.Pointer + TxBuffers + d * BufferSize;
        new Span<byte>(buffer, VirtioNetHeader.Size).Clear();
        frame.CopyTo(new Span<byte>(buffer + VirtioNetHeader.Size, frame.Length));
        TxDescriptors[d] = new VirtqDescriptor { Address = GuestBase + TxBuffers + (ulong)d * BufferSize, Length = (uint)(VirtioNetHeader.Size + frame.Length) };
        PublishTx(d, kick);
    }

    /// <summary>Publishes descriptor <paramref name="head"/> (already written) as the next TX chain and, unless told not to, kicks.</summary>
    public void PublishTx(ushort head, bool kick = true)
    {
        *AvailEntry(TxRing, _txAvail) = head;
        _txAvail++;
        SetTxAvail(_txAvail);
        if (kick)
        {
            Kick[1].Signal();
        }
    }

    /// <summary>Writes any value as the TX available index (hostile when it is not the honest one).</summary>
    public void SetTxAvail(ushort value) => Volatile.Write(ref *AvailIdxPointer(TxRing), value); // release: pairs with the broker's acquire of the index

    /// <summary>Waits (10 s) until every published TX chain came back in the used ring.</summary>
    public bool WaitTxDone()
    {
        var end = DateTime.UtcNow + Deadline;
        while (TxUsed != _txAvail)
        {
            if (DateTime.UtcNow > end)
            {
                return false;
            }
            Call[1].Wait(20);
        }
        return true;
    }

    /// <summary>Waits (10 s) until every published TX chain came back; returns the used entries since the last call.</summary>
    /// <exception cref="TimeoutException">Not all came back in time.</exception>
    public List<VirtqUsedElement> WaitTxUsed()
    {
        if (!WaitTxDone())
        {
            throw new TimeoutException($"TX used index {TxUsed}, expected {_txAvail}");
        }
        var list = new List<VirtqUsedElement>();
        for (; _txUsedSeen != _txAvail; _txUsedSeen++)
        {
            list.Add(UsedEntry(TxRing, _txUsedSeen));
        }
        return list;
    }

    /// <summary>
    /// Waits (10 s unless <paramref name="timeout"/>) for <paramref name="count"/> received frames, reposting
    /// each buffer; returns the frames without their headers (fewer on timeout).
    /// </summary>
    /// <exception cref="InvalidDataException">A frame's header does not say one buffer.</exception>
    public List<byte[]> Receive(int count, TimeSpan? timeout = null)
    {
        var frames = new List<byte[]>();
        var end = DateTime.UtcNow + (timeout ?? Deadline);
        while (frames.Count < count && DateTime.UtcNow < end)
        {
            ushort used = UsedIdx(RxRing);
            for (; _rxUsedSeen != used; _rxUsedSeen++)
            {
                var e = UsedEntry(RxRing, _rxUsedSeen);
                byte* buffer = Memory.Pointer + RxBuffers + e.Id * BufferSize;
                var header = *(VirtioNetHeader*)buffer;
                if (header.NumBuffers != 1)
                {
                    throw new InvalidDataException($"RX header says {header.NumBuffers} buffers");
                }
                frames.Add(new ReadOnlySpan<byte>(buffer + VirtioNetHeader.Size, (int)e.Length - VirtioNetHeader.Size).ToArray());
                PostRxBuffers(1);
            }
            if (frames.Count < count)
            {
                Call[0].Wait(50);
            }
        }
        return frames;
    }

    private ushort* AvailIdxPointer(int ring) => (ushort*)(Memory.Pointer + ring + 0x1000 + 2);

    private ushort* AvailEntry(int ring, uint i) => (ushort*)(Memory.Pointer + ring + 0x1000 + 4 + 2 * (i % RingSize));

    private ushort* UsedIdxPointer(int ring) => (ushort*)(Memory.Pointer + ring + 0x2000 + 2);
}
