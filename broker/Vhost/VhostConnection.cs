using System.Numerics;
using System.Runtime.InteropServices;
using Mediator.Broker.Mediation;
using Mediator.Native;
using Mediator.Vhost;
using Microsoft.Extensions.Logging;

namespace Mediator.Broker.Vhost;

/// <summary>
/// One vhost-user front end on the control thread: reassembles its messages from the stream, checks
/// each (size, order, values), keeps the negotiated state and the memory table, and starts or stops the
/// rings on its <see cref="VhostPort"/>. Any refusal is logged with its reason, answered with a failed
/// REPLY_ACK when the front end asked for one, and closes the connection (the broker serves on).
/// </summary>
internal sealed unsafe class VhostConnection : IDisposable
{
    private static readonly TimeSpan HandoverTimeout = TimeSpan.FromSeconds(30);
    private readonly byte[] _buffer = new byte[VhostMessageHeader.Size + VhostMessageHeader.MaxPayload];
    private readonly List<FileDescriptor> _fds = [];
    private readonly VringSetup[] _vrings = [new(), new()];
    private readonly Func<(VhostPort? Port, string? Refusal)> _openPort;
    private VhostPort? _port; // the port's queue: made at SET_OWNER, so a connection that never claims the port costs no queue
    private readonly bool _requireSealed;
    private readonly ILogger _logger;
    private int _have;
    private VhostMessageHeader _header;
    private ulong _features;
    private ulong _protocolFeatures;
    private bool _owner;
    private GuestMemory? _memory;
    private VhostRings? _running;

    /// <param name="clientId">The broker's id of the front end.</param>
    /// <param name="socket">The accepted connection.</param>
    /// <param name="openPort">Makes the port's queue (at the first SET_OWNER): the port, or why not.</param>
    /// <param name="requireSealed">Refuse memory that can shrink under the broker.</param>
    /// <param name="logger">Where refusals go.</param>
    public VhostConnection(uint clientId, UnixStreamSocket socket, Func<(VhostPort? Port, string? Refusal)> openPort, bool requireSealed, ILogger logger)
    {
        ClientId = clientId;
        Socket = socket;
        _openPort = openPort;
        _requireSealed = requireSealed;
        _logger = logger;
    }

    /// <summary>The broker's id of this front end.</summary>
    public uint ClientId { get; }

    /// <summary>The connection.</summary>
    public UnixStreamSocket Socket { get; }

    /// <summary>Features negotiated (SET_FEATURES).</summary>
    public ulong Features => _features;

    /// <summary>
    /// Reads what has arrived and handles every complete message. Returns false when the connection must
    /// close: the peer went away, or a message was refused.
    /// </summary>
    public bool Serve()
    {
        // At most a batch of messages per call: a front end that streams messages (each may hand rings
        // to the data path and back) cannot keep the control thread from other clients; epoll is level
        // triggered, so the rest is served on the next turn.
        for (int handled = 0; handled < MaxMessagesPerTurn;)
        {
            int need = _have < VhostMessageHeader.Size ? VhostMessageHeader.Size : VhostMessageHeader.Size + (int)_header.PayloadSize;
            int n = Socket.Receive(_buffer.AsSpan(_have, need - _have), _fds, out bool fdsTruncated);
            if (n < 0)
            {
                return true; // the rest comes later
            }
            if (n == 0)
            {
                return false;
            }
            if (fdsTruncated)
            {
                return Fail("message", $"more than {UnixStreamSocket.MaxFds} descriptors attached");
            }
            _have += n;
            if (_have == VhostMessageHeader.Size)
            {
                _header = MemoryMarshal.Read<VhostMessageHeader>(_buffer);
                if ((_header.Flags & VhostMessageHeader.VersionMask) != VhostMessageHeader.Version1 || (_header.Flags & ~VhostMessageHeader.KnownFlags) != 0
                    || (_header.Flags & VhostMessageHeader.ReplyFlag) != 0)
                {
                    return Fail(Name(_header.Request), $"flags 0x{_header.Flags:x}: version 1 expected, reply bit clear, no unknown bit");
                }
                if (_header.PayloadSize > VhostMessageHeader.MaxPayload)
                {
                    return Fail(Name(_header.Request), $"payload of {_header.PayloadSize} bytes; at most {VhostMessageHeader.MaxPayload}");
                }
            }
            if (_have >= VhostMessageHeader.Size && _have == VhostMessageHeader.Size + (int)_header.PayloadSize)
            {
                bool ok;
                try
                {
                    ok = Handle(_header, _buffer.AsSpan(VhostMessageHeader.Size, (int)_header.PayloadSize));
                }
                finally
                {
                    foreach (var fd in _fds)
                    {
                        fd.Dispose(); // every descriptor not taken by the handler (taken ones are removed)
                    }
                    _fds.Clear();
                    _have = 0;
                }
                if (!ok)
                {
                    return false;
                }
                handled++;
            }
        }
        return true;
    }

    /// <summary>Messages handled per <see cref="Serve"/> call before other clients get the control thread.</summary>
    private const int MaxMessagesPerTurn = 32;

    private bool Handle(VhostMessageHeader header, ReadOnlySpan<byte> payload)
    {
        var request = (VhostRequest)header.Request;
        string? error = request switch
        {
            VhostRequest.GetFeatures => Expect(payload, 0, request) ?? Reply(request, VirtioFeatures.Offered),
            VhostRequest.SetFeatures => Expect(payload, 8, request) ?? SetFeatures(MemoryMarshal.Read<ulong>(payload)),
            VhostRequest.SetOwner => Expect(payload, 0, request) ?? SetOwner(),
            VhostRequest.ResetOwner => Expect(payload, 0, request) ?? ResetOwner(),
            VhostRequest.GetProtocolFeatures => Expect(payload, 0, request) ?? Reply(request, VhostProtocolFeatures.Offered),
            VhostRequest.SetProtocolFeatures => Expect(payload, 8, request) ?? SetProtocolFeatures(MemoryMarshal.Read<ulong>(payload)),
            VhostRequest.GetQueueNum => Expect(payload, 0, request) ?? Reply(request, 1UL),
            VhostRequest.SetMemTable => SetMemTable(payload),
            VhostRequest.SetVringNum => Expect(payload, VhostVringState.Size, request) ?? SetVringNum(MemoryMarshal.Read<VhostVringState>(payload)),
            VhostRequest.SetVringAddr => Expect(payload, VhostVringAddress.Size, request) ?? SetVringAddr(MemoryMarshal.Read<VhostVringAddress>(payload)),
            VhostRequest.SetVringBase => Expect(payload, VhostVringState.Size, request) ?? SetVringBase(MemoryMarshal.Read<VhostVringState>(payload)),
            VhostRequest.GetVringBase => Expect(payload, VhostVringState.Size, request) ?? GetVringBase(MemoryMarshal.Read<VhostVringState>(payload)),
            VhostRequest.SetVringKick or VhostRequest.SetVringCall or VhostRequest.SetVringErr =>
                Expect(payload, 8, request) ?? SetVringFile(request, MemoryMarshal.Read<ulong>(payload)),
            VhostRequest.SetVringEnable => Expect(payload, VhostVringState.Size, request) ?? SetVringEnable(MemoryMarshal.Read<VhostVringState>(payload)),
            _ => $"request {header.Request} ({Name(header.Request)}) is not supported by this back end",
        };
        if (request is not (VhostRequest.SetVringKick or VhostRequest.SetVringCall or VhostRequest.SetVringErr or VhostRequest.SetMemTable) && _fds.Count != 0 && error is null)
        {
            error = $"{_fds.Count} descriptors attached to a request that takes none";
        }
        if (error is not null)
        {
            return Fail(Name(header.Request), error, (header.Flags & VhostMessageHeader.NeedReplyFlag) != 0);
        }
        if ((header.Flags & VhostMessageHeader.NeedReplyFlag) != 0 && !HasReply(request))
        {
            return TrySend(request, 0UL); // REPLY_ACK: success
        }
        return true;
    }

    private static bool HasReply(VhostRequest r) =>
        r is VhostRequest.GetFeatures or VhostRequest.GetProtocolFeatures or VhostRequest.GetQueueNum or VhostRequest.GetVringBase;

    private static string? Expect(ReadOnlySpan<byte> payload, int size, VhostRequest request) =>
        payload.Length == size ? null : $"{request} carries {size} bytes of payload, not {payload.Length}";

    private string? Reply(VhostRequest request, ulong value) => TrySend(request, value) ? null : "the reply could not be sent";

    private string? SetOwner()
    {
        // DPDK's virtio_user sends SET_OWNER again when it starts the device: harmless, accepted.
        if (_port is null)
        {
            var (port, refusal) = _openPort();
            if (port is null)
            {
                return refusal ?? "no queue for this front end";
            }
            _port = port;
        }
        _owner = true;
        return null;
    }

    private string? ResetOwner()
    {
        Quiesce();
        foreach (var v in _vrings)
        {
            v.Dispose();
        }
        _memory?.Dispose();
        _memory = null;
        _features = 0;
        _protocolFeatures = 0;
        _owner = false;
        return null;
    }

    private string? SetFeatures(ulong features)
    {
        if ((features & ~VirtioFeatures.Offered) != 0)
        {
            return $"features 0x{features & ~VirtioFeatures.Offered:x} were not offered (offered 0x{VirtioFeatures.Offered:x})";
        }
        Quiesce();
        _features = features;
        Log.VhostFeatures(_logger, ClientId, features, VirtioNetHeader.SizeFor(features));
        return Resume();
    }

    private string? SetProtocolFeatures(ulong features)
    {
        if ((features & ~VhostProtocolFeatures.Offered) != 0)
        {
            return $"protocol features 0x{features & ~VhostProtocolFeatures.Offered:x} were not offered (offered 0x{VhostProtocolFeatures.Offered:x})";
        }
        _protocolFeatures = features;
        Log.VhostProtocolFeatures(_logger, ClientId, features);
        return null;
    }

    private string? SetMemTable(ReadOnlySpan<byte> payload)
    {
        if (!_owner)
        {
            return "SET_OWNER first";
        }
        if (payload.Length < VhostMemoryTable.HeaderSize)
        {
            return $"{payload.Length} bytes of payload; the table needs at least {VhostMemoryTable.HeaderSize}";
        }
        uint count = MemoryMarshal.Read<uint>(payload);
        if (count is 0 or > VhostMemoryTable.MaxRegions)
        {
            return $"{count} regions; 1 to {VhostMemoryTable.MaxRegions} allowed";
        }
        if (payload.Length != VhostMemoryTable.HeaderSize + (int)count * VhostMemoryRegion.Size)
        {
            return $"{count} regions need {VhostMemoryTable.HeaderSize + count * VhostMemoryRegion.Size} bytes of payload, not {payload.Length}";
        }
        var regions = MemoryMarshal.Cast<byte, VhostMemoryRegion>(payload.Slice(VhostMemoryTable.HeaderSize, (int)count * VhostMemoryRegion.Size));
        var memory = GuestMemory.TryCreate(regions, _fds, _requireSealed, out string? error);
        if (memory is null)
        {
            return error;
        }
        Quiesce(); // the data path lets go of the old table before it is unmapped
        _memory?.Dispose();
        _memory = memory;
        Log.VhostMemoryTable(_logger, ClientId, memory.Count, memory.TotalSize, memory.UnsealedRegions);
        return Resume();
    }

    private string? SetVringNum(VhostVringState s)
    {
        if (Ring(s.Index) is { } bad)
        {
            return bad;
        }
        if (!BitOperations.IsPow2(s.Num) || s.Num > VirtqLayout.MaxSize)
        {
            return $"vring {s.Index}: size {s.Num} must be a power of two up to {VirtqLayout.MaxSize}";
        }
        Quiesce();
        _vrings[s.Index].Num = s.Num;
        return Resume();
    }

    private string? SetVringAddr(VhostVringAddress a)
    {
        if (Ring(a.Index) is { } bad)
        {
            return bad;
        }
        if (a.Flags != 0)
        {
            return $"vring {a.Index}: flags 0x{a.Flags:x}: dirty logging is not supported";
        }
        Quiesce();
        _vrings[a.Index].Address = a;
        return Resume();
    }

    private string? SetVringBase(VhostVringState s)
    {
        if (Ring(s.Index) is { } bad)
        {
            return bad;
        }
        if (s.Num > ushort.MaxValue)
        {
            return $"vring {s.Index}: base {s.Num} is not a 16-bit index";
        }
        Quiesce();
        _vrings[s.Index].Base = (ushort)s.Num;
        return Resume();
    }

    private string? GetVringBase(VhostVringState s)
    {
        if (Ring(s.Index) is { } bad)
        {
            return bad;
        }
        Quiesce(); // stops the ring: the data path has let go when this returns
        var v = _vrings[s.Index];
        v.Kicked = false; // it starts again on the next SET_VRING_KICK
        v.Kick?.Dispose();
        v.Kick = null;
        string? error = Resume();
        if (error is not null)
        {
            return error;
        }
        var reply = new VhostVringState { Index = s.Index, Num = v.Base };
        return TrySend(VhostRequest.GetVringBase, MemoryMarshal.AsBytes(new ReadOnlySpan<VhostVringState>(in reply))) ? null : "the reply could not be sent";
    }

    private string? SetVringFile(VhostRequest request, ulong value)
    {
        uint index = (uint)(value & VhostVringFile.IndexMask);
        if (Ring(index) is { } bad)
        {
            return bad;
        }
        if ((value & ~(VhostVringFile.IndexMask | VhostVringFile.NoFdFlag)) != 0)
        {
            return $"unknown bits in 0x{value:x}";
        }
        bool noFd = (value & VhostVringFile.NoFdFlag) != 0;
        if (_fds.Count != (noFd ? 0 : 1))
        {
            return noFd ? "the no-fd flag is set but a descriptor is attached" : $"{_fds.Count} descriptors attached; one eventfd expected";
        }
        EventFd? fd = null;
        if (!noFd)
        {
            if (!IsEventFd(_fds[0]))
            {
                return "the descriptor is not an eventfd (or is a semaphore eventfd)";
            }
            fd = new EventFd(_fds[0]);
            _fds.Clear(); // taken
        }
        if (request == VhostRequest.SetVringErr)
        {
            fd?.Dispose(); // errors are reported by closing the connection, never on this eventfd
            return null;
        }
        Quiesce();
        var v = _vrings[index];
        if (request == VhostRequest.SetVringKick)
        {
            v.Kick?.Dispose();
            v.Kick = fd;
            v.Kicked = true;
        }
        else
        {
            v.Call?.Dispose();
            v.Call = fd;
        }
        return Resume();
    }

    private string? SetVringEnable(VhostVringState s)
    {
        if (Ring(s.Index) is { } bad)
        {
            return bad;
        }
        if (s.Num > 1)
        {
            return $"vring {s.Index}: enable {s.Num} is neither 0 nor 1";
        }
        Quiesce();
        _vrings[s.Index].Enabled = s.Num == 1;
        return Resume();
    }

    private static string? Ring(uint index) =>
        index < 2 ? null : $"vring {index} does not exist: one queue pair (0: RX, 1: TX) is served";

    /// <summary>Stops the running rings (if any) and records where the data path left them.</summary>
    private void Quiesce()
    {
        if (_running is not { } running)
        {
            return;
        }
        _port!.Install(null, HandoverTimeout); // rings run only after SET_OWNER made the port
        if (running.Rx is { } rx)
        {
            _vrings[0].Base = rx.NextAvail;
        }
        if (running.Tx is { } tx)
        {
            _vrings[1].Base = tx.NextAvail;
        }
        _running = null;
    }

    /// <summary>Starts every ring that can start (memory, size, addresses, kick, enabled); an error if one's addresses are bad.</summary>
    private string? Resume()
    {
        if (_memory is null || !_owner || _port is not { } port)
        {
            return null;
        }
        bool mustEnable = (_features & VirtioFeatures.ProtocolFeatures) != 0;
        var q = new SplitVirtqueue?[2];
        for (int i = 0; i < 2; i++)
        {
            var v = _vrings[i];
            if (v.Num == 0 || v.Address is not { } a || !v.Kicked || (mustEnable && !v.Enabled))
            {
                continue;
            }
            byte* desc = Place(a.DescUserAddr, VirtqLayout.DescriptorTableSize(v.Num), 16);
            byte* avail = Place(a.AvailUserAddr, VirtqLayout.AvailSize(v.Num), 2);
            byte* used = Place(a.UsedUserAddr, VirtqLayout.UsedSize(v.Num), 4);
            if (desc == null || avail == null || used == null)
            {
                return $"vring {i}: a part of the ring is misaligned or not wholly inside one region of the memory table";
            }
            q[i] = new SplitVirtqueue(i, v.Num, desc, avail, used, v.Base, v.Base, port.Counters);
        }
        if (q[0] is null && q[1] is null)
        {
            return null;
        }
        var rings = new VhostRings
        {
            Rx = q[0], Tx = q[1], TxKick = q[1] is null ? null : _vrings[1].Kick,
            RxCall = _vrings[0].Call, TxCall = _vrings[1].Call,
            HeaderSize = VirtioNetHeader.SizeFor(_features), Memory = _memory,
        };
        port.Install(rings, HandoverTimeout);
        _running = rings;
        Log.VhostRings(_logger, ClientId, Describe(q[0]), Describe(q[1]));
        return null;

        static string Describe(SplitVirtqueue? q) => q is null ? "stopped" : $"started ({q.Size} entries from index {q.NextAvail})";
    }

    private byte* Place(ulong userAddress, ulong size, uint alignment) =>
        (userAddress & (alignment - 1)) != 0 ? null : _memory!.TranslateUser(userAddress, size);

    /// <summary>
    /// Whether <paramref name="fd"/> is an ordinary eventfd. A semaphore eventfd is refused where the
    /// kernel says so (fdinfo "eventfd-semaphore", Linux 6.x): one read takes only one from its count,
    /// so a front end could keep it readable and the data path would wake without work forever.
    /// </summary>
    private static bool IsEventFd(FileDescriptor fd)
    {
        try
        {
            if (new FileInfo($"/proc/self/fd/{fd.Fd}").LinkTarget != "anon_inode:[eventfd]")
            {
                return false;
            }
            foreach (string line in File.ReadLines($"/proc/self/fdinfo/{fd.Fd}"))
            {
                if (line.StartsWith("eventfd-semaphore:", StringComparison.Ordinal))
                {
                    return line.AsSpan("eventfd-semaphore:".Length).Trim().SequenceEqual("0");
                }
            }
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private bool Fail(string request, string reason, bool needReply = false)
    {
        Log.VhostRefused(_logger, ClientId, request, reason);
        if (needReply)
        {
            TrySend((VhostRequest)_header.Request, 1UL); // REPLY_ACK: failure, then the connection closes
        }
        return false;
    }

    private bool TrySend(VhostRequest request, ulong value) =>
        TrySend(request, MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(in value)));

    private bool TrySend(VhostRequest request, ReadOnlySpan<byte> payload)
    {
        Span<byte> message = stackalloc byte[VhostMessageHeader.Size + payload.Length];
        var header = new VhostMessageHeader { Request = (uint)request, Flags = VhostMessageHeader.Version1 | VhostMessageHeader.ReplyFlag, PayloadSize = (uint)payload.Length };
        MemoryMarshal.Write(message, in header);
        payload.CopyTo(message[VhostMessageHeader.Size..]);
        try
        {
            Socket.Send(message);
            return true;
        }
        catch (NativeException)
        {
            return false;
        }
    }

    private static string Name(uint request) => Enum.IsDefined((VhostRequest)request) ? ((VhostRequest)request).ToString() : request.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Frees everything the front end gave: eventfds, the memory table, the socket. Call only once the
    /// port's queue has left the data path (or its rings were stopped).
    /// </summary>
    public void Dispose()
    {
        foreach (var v in _vrings)
        {
            v.Dispose();
        }
        _memory?.Dispose();
        _memory = null;
        _running = null;
        foreach (var fd in _fds)
        {
            fd.Dispose();
        }
        _fds.Clear();
        Socket.Dispose();
    }
}
