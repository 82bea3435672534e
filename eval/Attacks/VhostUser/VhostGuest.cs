using System.Runtime.InteropServices;
using Mediator.Native;
using Mediator.Vhost;

namespace Mediator.Eval.Attacks.VhostUser;

/// <summary>
/// The one C# vhost-user front end, used by the evaluator's attacks and by the tests: faithful by
/// default and hostile on request. A real AF_UNIX stream connection, a real memfd as guest memory (passed
/// by SCM_RIGHTS), real kick and call eventfds, and the two split virtqueues of a virtio-net driver
/// (RX vring 0, TX vring 1; see VhostGuest.Rings.cs), which callers may fill with whatever they like.
/// Guest-physical and front-end virtual addresses differ on purpose, so both translations are exercised.
/// </summary>
public sealed unsafe partial class VhostGuest : IDisposable
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

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10); // generous: the machine may be busy

    private readonly byte[] _receive = new byte[64];

    private VhostGuest(UnixStreamSocket socket)
    {
        Socket = socket;
        MemoryFd = Memfd.Create("vhost-guest", RegionSize);
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
    /// <summary>The features the port offered and <see cref="Start"/> accepted.</summary>
    public ulong Features { get; private set; }
    /// <summary>The queue pairs the port reported to <see cref="Start"/> (GET_QUEUE_NUM).</summary>
    public ulong QueuePairs { get; private set; }

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

    /// <summary>Sends any message; <paramref name="needReply"/> adds NEED_REPLY to <paramref name="flags"/>.</summary>
    public void Send(VhostRequest request, ReadOnlySpan<byte> payload = default, ReadOnlySpan<int> fds = default, uint flags = VhostMessageHeader.Version1, bool needReply = false)
    {
        var message = new byte[VhostMessageHeader.Size + payload.Length];
        var header = new VhostMessageHeader
        {
            Request = (uint)request, PayloadSize = (uint)payload.Length,
            Flags = flags | (needReply ? VhostMessageHeader.NeedReplyFlag : 0),
        };
        MemoryMarshal.Write(message, in header);
        payload.CopyTo(message.AsSpan(VhostMessageHeader.Size));
        Socket.Send(message, fds);
    }

    /// <summary>Sends a struct payload.</summary>
    public void Send<T>(VhostRequest request, T payload, ReadOnlySpan<int> fds = default, uint flags = VhostMessageHeader.Version1, bool needReply = false) where T : unmanaged =>
        Send(request, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in payload)), fds, flags, needReply);

    /// <summary>Sends with NEED_REPLY and returns the u64 answer (0: accepted), or null when the broker closed the connection.</summary>
    public ulong? Ack<T>(VhostRequest request, T payload, ReadOnlySpan<int> fds = default) where T : unmanaged
    {
        Send(request, payload, fds, needReply: true);
        return ReadU64(request);
    }

    /// <summary>Sends a byte payload (may be empty) with NEED_REPLY and returns the answer, or null when the connection closed.</summary>
    public ulong? Ack(VhostRequest request, byte[] payload)
    {
        Send(request, payload, default, needReply: true);
        return ReadU64(request);
    }

    /// <summary>Reads one reply to <paramref name="expected"/> with a u64 payload (10 s); null when the connection closed.</summary>
    public ulong? ReadU64(VhostRequest expected)
    {
        var reply = ReadReply(expected, sizeof(ulong));
        return reply is null ? null : MemoryMarshal.Read<ulong>(reply);
    }

    /// <summary>
    /// Reads one reply to <paramref name="expected"/> of <paramref name="size"/> payload bytes (10 s); null
    /// when the connection closed.
    /// </summary>
    /// <exception cref="InvalidDataException">The reply's header is not that of a version-1 reply to <paramref name="expected"/> of that size.</exception>
    /// <exception cref="TimeoutException">No reply within the deadline.</exception>
    public byte[]? ReadReply(VhostRequest expected, int size)
    {
        if (!ReadExactly(VhostMessageHeader.Size))
        {
            return null;
        }
        var header = MemoryMarshal.Read<VhostMessageHeader>(_receive);
        if (header.Request != (uint)expected || header.Flags != (VhostMessageHeader.Version1 | VhostMessageHeader.ReplyFlag) || header.PayloadSize != (uint)size)
        {
            throw new InvalidDataException($"expected a {size}-byte reply to {expected}; got request {header.Request}, flags {header.Flags:x}, {header.PayloadSize} bytes");
        }
        return ReadExactly(size) ? _receive.AsSpan(0, size).ToArray() : null;
    }

    /// <summary>Whether the broker closed the connection within 10 s (replies before the close are skipped).</summary>
    public bool WaitClosed()
    {
        var end = DateTime.UtcNow + Deadline;
        var fds = new List<FileDescriptor>();
        try
        {
            while (DateTime.UtcNow < end)
            {
                if (Poller.WaitReadable(Socket.Handle.Fd, 100) && Socket.Receive(_receive, fds, out _) == 0)
                {
                    return true;
                }
            }
            return false;
        }
        finally
        {
            fds.ForEach(f => f.Dispose());
        }
    }

    /// <summary>
    /// Negotiates like DPDK's virtio_user (features, protocol features, queue count, memory table, then
    /// each ring) and starts both rings, with RX buffers posted unless <paramref name="postRxBuffers"/>
    /// is false; throws if any step is refused.
    /// </summary>
    public void Start(bool postRxBuffers = true)
    {
        Send(VhostRequest.SetOwner);
        Send(VhostRequest.GetFeatures);
        Features = ReadU64(VhostRequest.GetFeatures) ?? throw new IOException("closed at GET_FEATURES");
        Send(VhostRequest.GetProtocolFeatures);
        ulong protocol = ReadU64(VhostRequest.GetProtocolFeatures) ?? throw new IOException("closed at GET_PROTOCOL_FEATURES");
        Require(Ack(VhostRequest.SetProtocolFeatures, protocol), "SET_PROTOCOL_FEATURES");
        Send(VhostRequest.GetQueueNum);
        QueuePairs = ReadU64(VhostRequest.GetQueueNum) ?? throw new IOException("closed at GET_QUEUE_NUM");
        Require(Ack(VhostRequest.SetFeatures, Features), "SET_FEATURES");
        Send(VhostRequest.SetMemTable, Table(Region), [MemoryFd.Fd], needReply: true);
        Require(ReadU64(VhostRequest.SetMemTable), "SET_MEM_TABLE");
        if (postRxBuffers)
        {
            PostRxBuffers(RingSize);
        }
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

    private bool ReadExactly(int size)
    {
        int have = 0;
        var end = DateTime.UtcNow + Deadline;
        var fds = new List<FileDescriptor>();
        try
        {
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
        finally
        {
            fds.ForEach(f => f.Dispose()); // a port sends no descriptors; any that came are not leaked
        }
    }
}
