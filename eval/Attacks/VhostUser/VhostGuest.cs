using System.Runtime.InteropServices;
using Mediator.Native;
using Mediator.Vhost;

namespace Mediator.Eval.Attacks.VhostUser;

/// <summary>
/// The evaluator's vhost-user front end: a real stream connection, a real memfd as guest memory (passed
/// by SCM_RIGHTS), real eventfds, and the two split virtqueues of a virtio-net driver, which the attacks
/// fill with whatever they like. Guest-physical and front-end virtual addresses differ on purpose.
/// </summary>
public sealed unsafe class VhostGuest : IDisposable
{
    /// <summary>Entries per ring.</summary>
    public const uint RingSize = 256;
    /// <summary>Guest physical address of the region (away from the device's bus window, so that the bus addresses the attacks name are not also its own guest addresses).</summary>
    public const ulong GuestBase = 0x40_0000_0000UL;
    /// <summary>Front-end virtual address of the region.</summary>
    public const ulong UserBase = 0x7f00_0000_0000UL;
    /// <summary>Bytes of guest memory.</summary>
    public const long RegionSize = 4L << 20;
    /// <summary>Ring offsets in the region (descriptors at +0, available ring at +0x1000, used ring at +0x2000).</summary>
    public const int RxRing = 0x0000, TxRing = 0x4000;
    /// <summary>Buffer areas in the region.</summary>
    public const int RxBuffers = 0x10000, TxBuffers = 0x100000, BufferSize = 2048;

    private readonly byte[] _receive = new byte[64];
    private ushort _rxAvail, _txAvail;

    private VhostGuest(UnixStreamSocket socket)
    {
        Socket = socket;
        MemoryFd = Memfd.Create("eval-vhost-guest", RegionSize);
        Memory = MappedMemory.Map(MemoryFd, RegionSize, MapAccess.ReadWrite);
    }

    /// <summary>The connection.</summary>
    public UnixStreamSocket Socket { get; }
    /// <summary>The guest memory's fd.</summary>
    public FileDescriptor MemoryFd { get; }
    /// <summary>The guest memory.</summary>
    public MappedMemory Memory { get; }
    /// <summary>Kick eventfds (RX, TX).</summary>
    public EventFd[] Kick { get; } = [new(), new()];
    /// <summary>Call eventfds (RX, TX).</summary>
    public EventFd[] Call { get; } = [new(), new()];

    /// <summary>The region as one memory-table entry.</summary>
    public static VhostMemoryRegion Region => new() { GuestPhysAddr = GuestBase, MemorySize = (ulong)RegionSize, UserspaceAddr = UserBase };

    /// <summary>Connects to a port.</summary>
    public static VhostGuest Connect(string path) => new(UnixStreamSocket.Connect(path));

    /// <summary>A SET_MEM_TABLE payload.</summary>
    public static byte[] Table(params VhostMemoryRegion[] regions)
    {
        var payload = new byte[VhostMemoryTable.HeaderSize + regions.Length * VhostMemoryRegion.Size];
        MemoryMarshal.Write(payload, (uint)regions.Length);
        MemoryMarshal.AsBytes(regions.AsSpan()).CopyTo(payload.AsSpan(VhostMemoryTable.HeaderSize));
        return payload;
    }

    /// <summary>Sends any message.</summary>
    public void Send(VhostRequest request, ReadOnlySpan<byte> payload = default, ReadOnlySpan<int> fds = default, uint flags = VhostMessageHeader.Version1)
    {
        var message = new byte[VhostMessageHeader.Size + payload.Length];
        var header = new VhostMessageHeader { Request = (uint)request, Flags = flags, PayloadSize = (uint)payload.Length };
        MemoryMarshal.Write(message, in header);
        payload.CopyTo(message.AsSpan(VhostMessageHeader.Size));
        Socket.Send(message, fds);
    }

    /// <summary>Sends a struct payload.</summary>
    public void Send<T>(VhostRequest request, T payload, ReadOnlySpan<int> fds = default, uint flags = VhostMessageHeader.Version1) where T : unmanaged =>
        Send(request, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in payload)), fds, flags);

    /// <summary>Sends with NEED_REPLY and returns the u64 answer (0: accepted), or null when the broker closed the connection.</summary>
    public ulong? Ack<T>(VhostRequest request, T payload, ReadOnlySpan<int> fds = default) where T : unmanaged
    {
        Send(request, payload, fds, VhostMessageHeader.Version1 | VhostMessageHeader.NeedReplyFlag);
        return ReadU64();
    }

    /// <summary>Reads a reply's u64 payload (5 s); null when the connection closed.</summary>
    public ulong? ReadU64() => ReadExactly(VhostMessageHeader.Size) && ReadExactly(8) ? MemoryMarshal.Read<ulong>(_receive) : null;

    /// <summary>Whether the broker closed the connection within 5 s (replies before the close are skipped).</summary>
    public bool WaitClosed()
    {
        var end = DateTime.UtcNow.AddSeconds(5);
        var fds = new List<FileDescriptor>();
        while (DateTime.UtcNow < end)
        {
            if (Poller.WaitReadable(Socket.Handle.Fd, 100) && Socket.Receive(_receive, fds, out _) == 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Negotiates like DPDK's virtio_user and starts both rings with RX buffers posted; throws if any step is refused.</summary>
    public void Start()
    {
        Send(VhostRequest.SetOwner);
        Send(VhostRequest.GetFeatures);
        ulong features = ReadU64() ?? throw new IOException("closed at GET_FEATURES");
        Require(Ack(VhostRequest.SetFeatures, features), "SET_FEATURES");
        Send(VhostRequest.SetMemTable, Table(Region), [MemoryFd.Fd], VhostMessageHeader.Version1 | VhostMessageHeader.NeedReplyFlag);
        Require(ReadU64(), "SET_MEM_TABLE");
        PostRxBuffers(RingSize);
        for (uint q = 0; q < 2; q++)
        {
            int ring = q == 0 ? RxRing : TxRing;
            Require(Ack(VhostRequest.SetVringCall, (ulong)q, [Call[q].Handle.Fd]), "SET_VRING_CALL");
            Require(Ack(VhostRequest.SetVringNum, new VhostVringState { Index = q, Num = RingSize }), "SET_VRING_NUM");
            Require(Ack(VhostRequest.SetVringBase, new VhostVringState { Index = q }), "SET_VRING_BASE");
            Require(Ack(VhostRequest.SetVringAddr, new VhostVringAddress
            {
                Index = q, DescUserAddr = UserBase + (ulong)ring, AvailUserAddr = UserBase + (ulong)ring + 0x1000, UsedUserAddr = UserBase + (ulong)ring + 0x2000,
            }), "SET_VRING_ADDR");
            Require(Ack(VhostRequest.SetVringKick, (ulong)q, [Kick[q].Handle.Fd]), "SET_VRING_KICK");
            Require(Ack(VhostRequest.SetVringEnable, new VhostVringState { Index = q, Num = 1 }), "SET_VRING_ENABLE");
        }

        static void Require(ulong? ack, string what)
        {
            if (ack != 0)
            {
                throw new InvalidOperationException($"the broker refused a faithful {what} ({(ack is null ? "closed" : $"ack {ack}")})");
            }
        }
    }

    /// <summary>The TX descriptor table (to fill with anything).</summary>
    public VirtqDescriptor* TxDescriptors => (VirtqDescriptor*)(Memory.Pointer + TxRing);

    /// <summary>The TX used index the broker wrote.</summary>
    public ushort TxUsed => Volatile.Read(ref *(ushort*)(Memory.Pointer + TxRing + 0x2002));

    /// <summary>Chains published on TX so far.</summary>
    public ushort TxPublished => _txAvail;

    /// <summary>Publishes <paramref name="head"/> as the next TX chain and kicks.</summary>
    public void PublishTx(ushort head)
    {
        ((ushort*)(Memory.Pointer + TxRing + 0x1004))[_txAvail % RingSize] = head;
        _txAvail++;
        SetTxAvail(_txAvail);
        Kick[1].Signal();
    }

    /// <summary>Writes any value as the TX available index (hostile when it is not the honest one).</summary>
    public void SetTxAvail(ushort value) => Volatile.Write(ref *(ushort*)(Memory.Pointer + TxRing + 0x1002), value);

    /// <summary>Queues a frame (header + frame in one readable descriptor) on TX.</summary>
    public void SendFrame(ReadOnlySpan<byte> frame)
    {
        ushort d = (ushort)(_txAvail % RingSize);
        byte* buffer = Memory.Pointer + TxBuffers + d * BufferSize;
        new Span<byte>(buffer, VirtioNetHeader.Size).Clear();
        frame.CopyTo(new Span<byte>(buffer + VirtioNetHeader.Size, frame.Length));
        TxDescriptors[d] = new VirtqDescriptor { Address = GuestBase + TxBuffers + (ulong)d * BufferSize, Length = (uint)(VirtioNetHeader.Size + frame.Length) };
        PublishTx(d);
    }

    /// <summary>Waits (5 s) until every published TX chain came back in the used ring.</summary>
    public bool WaitTxDone()
    {
        var end = DateTime.UtcNow.AddSeconds(5);
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

    private void PostRxBuffers(uint count)
    {
        var d = (VirtqDescriptor*)(Memory.Pointer + RxRing);
        for (uint i = 0; i < count; i++)
        {
            ushort slot = (ushort)(_rxAvail % RingSize);
            d[slot] = new VirtqDescriptor { Address = GuestBase + RxBuffers + (ulong)slot * BufferSize, Length = BufferSize, Flags = VirtqDescriptor.FlagWrite };
            ((ushort*)(Memory.Pointer + RxRing + 0x1004))[_rxAvail % RingSize] = slot;
            _rxAvail++;
        }
        Volatile.Write(ref *(ushort*)(Memory.Pointer + RxRing + 0x1002), _rxAvail);
    }

    private bool ReadExactly(int size)
    {
        int have = 0;
        var end = DateTime.UtcNow.AddSeconds(5);
        var fds = new List<FileDescriptor>();
        while (have < size)
        {
            if (DateTime.UtcNow > end)
            {
                throw new TimeoutException("no reply from the vhost-user port");
            }
            if (!Poller.WaitReadable(Socket.Handle.Fd, 100))
            {
                continue;
            }
            int n = Socket.Receive(_receive.AsSpan(have, size - have), fds, out _);
            if (n == 0)
            {
                return false;
            }
            have += Math.Max(n, 0);
        }
        return true;
    }

    /// <inheritdoc />
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
