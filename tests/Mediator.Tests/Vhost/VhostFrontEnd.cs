using System.Runtime.InteropServices;
using Mediator.Native;
using Mediator.Vhost;

namespace Mediator.Tests.Vhost;

/// <summary>
/// A small vhost-user front end for the tests, faithful by default and hostile on request: a real
/// AF_UNIX stream connection, a real memfd passed by SCM_RIGHTS as its memory, real kick and call
/// eventfds, and split virtqueues it drives like a virtio-net driver (RX vring 0, TX vring 1). Guest
/// physical and front-end virtual addresses differ on purpose, so both translations are exercised.
/// </summary>
internal sealed unsafe class VhostFrontEnd : IDisposable
{
    public const uint RingSize = 256;
    public const ulong GuestBase = 0x1_0000_0000UL;   // guest physical address of the region
    public const ulong UserBase = 0x7f00_0000_0000UL;  // front-end virtual address of the region
    public const long RegionSize = 4L << 20;
    public const int RxRing = 0x0000, TxRing = 0x4000; // desc at +0, avail at +0x1000, used at +0x2000
    public const int RxBuffers = 0x10000, TxBuffers = 0x100000, BufferSize = 2048;
    public const int HeaderSize = 12;

    private readonly byte[] _receive = new byte[64];
    private ushort _rxAvail, _rxUsedSeen, _txAvail, _txUsedSeen;

    private VhostFrontEnd(UnixStreamSocket socket)
    {
        Socket = socket;
        MemoryFd = Memfd.Create("vhost-test-guest", RegionSize);
        Memory = MappedMemory.Map(MemoryFd, RegionSize, MapAccess.ReadWrite);
    }

    public UnixStreamSocket Socket { get; }
    public FileDescriptor MemoryFd { get; }
    public MappedMemory Memory { get; }
    public EventFd[] Kick { get; } = [new(), new()];
    public EventFd[] Call { get; } = [new(), new()];
    public byte* Base => Memory.Pointer;

    public static VhostFrontEnd Connect(string path) => new(UnixStreamSocket.Connect(path));

    // --- messages ---

    /// <summary>Sends a request; with <paramref name="needReply"/> the NEED_REPLY flag is set.</summary>
    public void Send(VhostRequest request, ReadOnlySpan<byte> payload = default, ReadOnlySpan<int> fds = default, bool needReply = false, uint? flags = null)
    {
        var message = new byte[VhostMessageHeader.Size + payload.Length];
        var header = new VhostMessageHeader
        {
            Request = (uint)request, PayloadSize = (uint)payload.Length,
            Flags = flags ?? (VhostMessageHeader.Version1 | (needReply ? VhostMessageHeader.NeedReplyFlag : 0)),
        };
        MemoryMarshal.Write(message, in header);
        payload.CopyTo(message.AsSpan(VhostMessageHeader.Size));
        Socket.Send(message, fds);
    }

    public void Send<T>(VhostRequest request, T payload, ReadOnlySpan<int> fds = default, bool needReply = false) where T : unmanaged =>
        Send(request, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in payload)), fds, needReply);

    /// <summary>Reads one reply's u64 payload (10 s deadline); null if the broker closed the connection.</summary>
    public ulong? ReadU64(VhostRequest expected)
    {
        var reply = ReadReply(expected, 8);
        return reply is null ? null : MemoryMarshal.Read<ulong>(reply);
    }

    public byte[]? ReadReply(VhostRequest expected, int size)
    {
        if (!ReadExactly(VhostMessageHeader.Size))
        {
            return null;
        }
        var header = MemoryMarshal.Read<VhostMessageHeader>(_receive);
        Assert.Equal((uint)expected, header.Request);
        Assert.Equal(VhostMessageHeader.Version1 | VhostMessageHeader.ReplyFlag, header.Flags);
        Assert.Equal((uint)size, header.PayloadSize);
        return ReadExactly(size) ? _receive.AsSpan(0, size).ToArray() : null;
    }

    /// <summary>Sends with NEED_REPLY and returns the ack (0: success), or null when the connection closed.</summary>
    public ulong? Ack<T>(VhostRequest request, T payload, ReadOnlySpan<int> fds = default) where T : unmanaged
    {
        Send(request, payload, fds, needReply: true);
        return ReadU64(request);
    }

    /// <summary>Sends a request without payload with NEED_REPLY and returns the ack.</summary>
    public ulong? Ack(VhostRequest request, byte[] payload)
    {
        Send(request, payload, default, needReply: true);
        return ReadU64(request);
    }

    /// <summary>Whether the broker closed the connection within 10 s (a pending reply is skipped).</summary>
    public bool WaitClosed()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var fds = new List<FileDescriptor>();
        while (DateTime.UtcNow < deadline)
        {
            if (!Poller.WaitReadable(Socket.Handle.Fd, 200))
            {
                continue;
            }
            int n = Socket.Receive(_receive, fds, out _);
            if (n == 0)
            {
                return true;
            }
        }
        return false;
    }

    private bool ReadExactly(int size)
    {
        int have = 0;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var fds = new List<FileDescriptor>();
        while (have < size)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("no reply from the broker");
            }
            if (!Poller.WaitReadable(Socket.Handle.Fd, 200))
            {
                continue;
            }
            int n = Socket.Receive(_receive.AsSpan(have, size - have), fds, out _);
            if (n == 0)
            {
                return false;
            }
            if (n > 0)
            {
                have += n;
            }
        }
        return true;
    }

    // --- the faithful setup, as DPDK's virtio_user does it ---

    public VhostMemoryRegion Region => new() { GuestPhysAddr = GuestBase, MemorySize = (ulong)RegionSize, UserspaceAddr = UserBase, MmapOffset = 0 };

    public static byte[] Table(params VhostMemoryRegion[] regions)
    {
        var payload = new byte[VhostMemoryTable.HeaderSize + regions.Length * VhostMemoryRegion.Size];
        MemoryMarshal.Write(payload, (uint)regions.Length);
        MemoryMarshal.AsBytes(regions.AsSpan()).CopyTo(payload.AsSpan(VhostMemoryTable.HeaderSize));
        return payload;
    }

    /// <summary>Negotiates and starts both rings; asserts every step was accepted.</summary>
    public void Start(bool postRxBuffers = true)
    {
        Send(VhostRequest.SetOwner);
        Send(VhostRequest.GetFeatures);
        ulong features = ReadU64(VhostRequest.GetFeatures) ?? throw new IOException("closed");
        Assert.Equal(VirtioFeatures.Offered, features);
        Send(VhostRequest.GetProtocolFeatures);
        ulong protocol = ReadU64(VhostRequest.GetProtocolFeatures) ?? throw new IOException("closed");
        Assert.Equal(0UL, Ack(VhostRequest.SetProtocolFeatures, protocol));
        Send(VhostRequest.GetQueueNum);
        Assert.Equal(1UL, ReadU64(VhostRequest.GetQueueNum));
        Assert.Equal(0UL, Ack(VhostRequest.SetFeatures, features));
        Send(VhostRequest.SetMemTable, Table(Region), [MemoryFd.Fd], needReply: true);
        Assert.Equal(0UL, ReadU64(VhostRequest.SetMemTable));
        if (postRxBuffers)
        {
            PostRxBuffers(RingSize);
        }
        for (uint q = 0; q < 2; q++)
        {
            int ring = q == 0 ? RxRing : TxRing;
            Assert.Equal(0UL, Ack(VhostRequest.SetVringCall, (ulong)q, [Call[q].Handle.Fd]));
            Assert.Equal(0UL, Ack(VhostRequest.SetVringNum, new VhostVringState { Index = q, Num = RingSize }));
            Assert.Equal(0UL, Ack(VhostRequest.SetVringBase, new VhostVringState { Index = q, Num = 0 }));
            Assert.Equal(0UL, Ack(VhostRequest.SetVringAddr, new VhostVringAddress
            {
                Index = q, DescUserAddr = UserBase + (ulong)ring, AvailUserAddr = UserBase + (ulong)ring + 0x1000, UsedUserAddr = UserBase + (ulong)ring + 0x2000,
            }));
            Assert.Equal(0UL, Ack(VhostRequest.SetVringKick, (ulong)q, [Kick[q].Handle.Fd]));
            Assert.Equal(0UL, Ack(VhostRequest.SetVringEnable, new VhostVringState { Index = q, Num = 1 }));
        }
    }

    // --- the driver side of the rings ---

    public VirtqDescriptor* Descriptors(int ring) => (VirtqDescriptor*)(Base + ring);
    public ushort* AvailIdx(int ring) => (ushort*)(Base + ring + 0x1000 + 2);
    public ushort* AvailEntry(int ring, uint i) => (ushort*)(Base + ring + 0x1000 + 4 + 2 * (i % RingSize));
    public ushort UsedIdx(int ring) => Volatile.Read(ref *(ushort*)(Base + ring + 0x2000 + 2));
    public VirtqUsedElement UsedEntry(int ring, uint i) => ((VirtqUsedElement*)(Base + ring + 0x2000 + 4))[i % RingSize];

    /// <summary>Posts <paramref name="count"/> device-writable 2 KiB buffers on the RX ring.</summary>
    public void PostRxBuffers(uint count)
    {
        for (uint i = 0; i < count; i++)
        {
            ushort d = (ushort)(_rxAvail % RingSize);
            Descriptors(RxRing)[d] = new VirtqDescriptor { Address = GuestBase + RxBuffers + (ulong)d * BufferSize, Length = BufferSize, Flags = VirtqDescriptor.FlagWrite };
            *AvailEntry(RxRing, _rxAvail) = d;
            _rxAvail++;
        }
        Volatile.Write(ref *AvailIdx(RxRing), _rxAvail);
        Kick[0].Signal();
    }

    /// <summary>Queues one frame on the TX ring (header + frame in one readable descriptor) and kicks.</summary>
    public void SendFrame(ReadOnlySpan<byte> frame, bool kick = true)
    {
        ushort d = (ushort)(_txAvail % RingSize);
        byte* buffer = Base + TxBuffers + d * BufferSize;
        new Span<byte>(buffer, HeaderSize).Clear();
        frame.CopyTo(new Span<byte>(buffer + HeaderSize, frame.Length));
        Descriptors(TxRing)[d] = new VirtqDescriptor { Address = GuestBase + TxBuffers + (ulong)d * BufferSize, Length = (uint)(HeaderSize + frame.Length) };
        PublishTx(d, kick);
    }

    /// <summary>Publishes descriptor <paramref name="head"/> (already written) as the next TX chain.</summary>
    public void PublishTx(ushort head, bool kick = true)
    {
        *AvailEntry(TxRing, _txAvail) = head;
        _txAvail++;
        Volatile.Write(ref *AvailIdx(TxRing), _txAvail);
        if (kick)
        {
            Kick[1].Signal();
        }
    }

    /// <summary>Sets the TX available index to any value (hostile).</summary>
    public void ForceTxAvail(ushort value) => Volatile.Write(ref *AvailIdx(TxRing), value);

    /// <summary>Waits (10 s) until the TX used index reaches every chain published; returns the used entries since the last call.</summary>
    public List<VirtqUsedElement> WaitTxUsed()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (UsedIdx(TxRing) != _txAvail)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"TX used index {UsedIdx(TxRing)}, expected {_txAvail}");
            }
            Call[1].Wait(50);
        }
        var list = new List<VirtqUsedElement>();
        for (; _txUsedSeen != _txAvail; _txUsedSeen++)
        {
            list.Add(UsedEntry(TxRing, _txUsedSeen));
        }
        return list;
    }

    /// <summary>Waits (10 s) for <paramref name="count"/> received frames; returns them without their headers.</summary>
    public List<byte[]> Receive(int count, TimeSpan? timeout = null)
    {
        var frames = new List<byte[]>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (frames.Count < count && DateTime.UtcNow < deadline)
        {
            ushort used = UsedIdx(RxRing);
            for (; _rxUsedSeen != used; _rxUsedSeen++)
            {
                var e = UsedEntry(RxRing, _rxUsedSeen);
                byte* buffer = Base + RxBuffers + e.Id * BufferSize;
                var header = *(VirtioNetHeader*)buffer;
                Assert.Equal(1, header.NumBuffers);
                frames.Add(new ReadOnlySpan<byte>(buffer + HeaderSize, (int)e.Length - HeaderSize).ToArray());
                PostRxBuffers(1);
            }
            if (frames.Count < count)
            {
                Call[0].Wait(50);
            }
        }
        return frames;
    }

    public void Dispose()
    {
        Socket.Dispose();
        foreach (var e in Kick.Concat(Call))
        {
            e.Dispose();
        }
        Memory.Dispose();
        MemoryFd.Dispose();
    }
}
