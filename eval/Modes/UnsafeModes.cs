namespace Mediator.Eval.Modes;

/// <summary>
/// The raw device access the unsafe modes give a client, as the evaluation needs it. The client
/// library's <c>Mediator.Client.Unsafe.DirectQueue</c> (TxDirect: TX ring + TX doorbell; DirectMap:
/// BAR0, every ring of its queue pair and the MSI-X table) will implement this through a thin shim.
/// </summary>
public interface IDirectQueue
{
    /// <summary>The granted mode.</summary>
    EvalMode Mode { get; }
    /// <summary>The bus address of the client's UMEM.</summary>
    ulong UmemBus { get; }
    /// <summary>Writes a raw TX descriptor (buffer bus address, length) and rings the TX doorbell.</summary>
    void PostRawTx(ulong bus, uint length);
    /// <summary>Writes a raw RX descriptor (DirectMap only) and rings the RX doorbell.</summary>
    void PostRawRx(ulong bus);
    /// <summary>Writes a BAR0 register (DirectMap only).</summary>
    void WriteRegister(int offset, uint value);
    /// <summary>Writes an MSI-X table entry (DirectMap only).</summary>
    void WriteMsixEntry(int vector, ulong address, uint data);
    /// <summary>Sends one frame to the queue's own MAC, through whatever path the mode uses, to make RX and interrupts happen.</summary>
    void SendToSelf();
}

/// <summary>
/// The unsafe-mode adapter: each hostile primitive becomes a raw descriptor, register or MSI-X write.
/// Capabilities a mode does not grant (RX descriptors, BAR and MSI-X in TxDirect) are recorded as
/// unreachable, exactly as in Mediated.
/// </summary>
internal sealed class DirectDevice(IDirectQueue queue) : IHostileDevice
{
    public EvalMode Mode => queue.Mode;

    public ulong UmemBus => queue.UmemBus;

    public PrimitiveResult DeviceRead(ulong bus, uint length, int count = 1)
    {
        for (int i = 0; i < count; i++)
        {
            queue.PostRawTx(bus, length);
        }
        return new PrimitiveResult(count, $"raw TX descriptor at bus 0x{bus:x}");
    }

    public PrimitiveResult DeviceWrite(ulong bus, int count = 1)
    {
        if (Mode != EvalMode.DirectMap)
        {
            return new PrimitiveResult(0, "RX is mediated in TxDirect");
        }
        for (int i = 0; i < count; i++)
        {
            queue.PostRawRx(bus);
        }
        queue.SendToSelf();
        return new PrimitiveResult(count, $"raw RX descriptor at bus 0x{bus:x}");
    }

    public PrimitiveResult ProgramMsix(int vector, ulong address, uint data)
    {
        if (Mode != EvalMode.DirectMap)
        {
            return new PrimitiveResult(0, "no MSI-X table mapping in TxDirect");
        }
        queue.WriteMsixEntry(vector, address, data);
        queue.SendToSelf();
        return new PrimitiveResult(1, $"MSI-X {vector} -> 0x{address:x}");
    }

    public PrimitiveResult WriteRegister(int offset, uint value)
    {
        if (Mode != EvalMode.DirectMap)
        {
            return new PrimitiveResult(0, "only the TX tail is mapped in TxDirect");
        }
        queue.WriteRegister(offset, value);
        return new PrimitiveResult(1, $"BAR0[0x{offset:x5}] = 0x{value:x}");
    }
}

/// <summary>Opens the unsafe-mode access for a queue through the client library's unsafe API.</summary>
public static class UnsafeModes
{
    /// <summary>
    /// Why the unsafe modes cannot run; null: <c>Mediator.Client.Unsafe.DirectQueue</c> drives them
    /// (the runner starts each unsafe column's broker with EnableUnsafeModes and that mode as default policy).
    /// </summary>
    public static string? Unavailable => null;

    /// <summary>
    /// Opens raw device access for the attacker that holds <paramref name="queue"/>: a second connection
    /// to <paramref name="socketPath"/> opens a queue with <c>OpenQueueFlags.DeviceAccess</c> and maps its
    /// device rings (<c>MediatorClient.OpenDirectQueue</c>). Registers and the MSI-X vector of the attack's
    /// own queue (<paramref name="queue"/>) are translated to the direct queue's, which is the attacker's
    /// own queue in this mode.
    /// </summary>
    /// <exception cref="ModeUnavailableException">The broker did not grant <paramref name="mode"/>.</exception>
    public static DirectQueueAccess OpenDirect(string socketPath, RawQueue queue, EvalMode mode)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var client = Client.MediatorClient.Connect(socketPath, "attacker-direct", TimeSpan.FromSeconds(10));
        try
        {
            if ((EvalMode)client.Mode != mode)
            {
                throw new ModeUnavailableException($"{mode}: the broker's policy grants {client.Mode}");
            }
            var direct = Client.Unsafe.MediatorClientUnsafeExtensions.OpenDirectQueue(client);
            return new DirectQueueAccess(client, direct, queue.DeviceQueue);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}

/// <summary><see cref="IDirectQueue"/> over the client library's <c>Mediator.Client.Unsafe.DirectQueue</c>.</summary>
public sealed class DirectQueueAccess : IDirectQueue, IDisposable
{
    private static readonly TimeSpan RingWait = TimeSpan.FromSeconds(2);
    private readonly Client.MediatorClient _client;
    private readonly Client.Unsafe.DirectQueue _queue;
    private readonly int _aliasQueue;
    private readonly uint _txMask;
    private readonly uint _rxMask;
    private uint _txTail;
    private uint _txClean;
    private uint _rxTail;

    internal DirectQueueAccess(Client.MediatorClient client, Client.Unsafe.DirectQueue queue, int aliasQueue)
    {
        _client = client;
        _queue = queue;
        _aliasQueue = aliasQueue;
        _txMask = queue.TxRingSize - 1;
        _rxMask = queue.RxRingSize == 0 ? 0 : queue.RxRingSize - 1;
        if (queue.Mode == Control.ClientMode.DirectMap)
        {
            _txTail = _txClean = queue.ReadRegister(Nic.Registers.TDT(queue.DeviceQueue));
            _rxTail = queue.ReadRegister(Nic.Registers.RDT(queue.DeviceQueue));
        }
        // A self-addressed frame at UMEM offset 0 (SendToSelf; a harmless payload for DeviceRead(UmemBus)).
        var umem = queue.Umem;
        umem[..64].Clear();
        queue.Mac.CopyTo(umem);
        queue.Mac.CopyTo(umem[6..]);
        umem[12] = 0x88;
        umem[13] = 0xB5;
    }

    /// <inheritdoc />
    public EvalMode Mode => (EvalMode)_queue.Mode;

    /// <inheritdoc />
    public ulong UmemBus => _queue.UmemBusAddress;

    /// <summary>The device queue pair the attacker drives directly.</summary>
    public int DeviceQueue => _queue.DeviceQueue;

    /// <inheritdoc />
    public void PostRawTx(ulong bus, uint length)
    {
        var ring = _queue.TxRing;
        if (_txTail - _txClean >= _txMask)
        {
            // Ring full: wait for the device to hand back the oldest descriptor (DD is written even for DMA faults).
            long end = Environment.TickCount64 + (long)RingWait.TotalMilliseconds;
            while (_txTail - _txClean >= _txMask)
            {
                if ((Volatile.Read(ref ring[(int)(_txClean & _txMask)].OlinfoStatus) & Nic.TxDescriptor.StatusDd) != 0)
                {
                    _txClean++;
                    continue;
                }
                if (Environment.TickCount64 > end)
                {
                    throw new TimeoutException("the device TX ring stays full: the device stopped walking it");
                }
                Thread.Yield();
            }
        }
        ring[(int)(_txTail & _txMask)] = Nic.TxDescriptor.ForFrame(bus, length);
        _txTail++;
        _queue.WriteTxTail(_txTail & _txMask);
    }

    /// <inheritdoc />
    public void PostRawRx(ulong bus)
    {
        var ring = _queue.RxRing;
        ring[(int)(_rxTail & _rxMask)] = Nic.RxDescriptor.ForBuffer(bus);
        _rxTail++;
        _queue.WriteRxTail(_rxTail & _rxMask);
    }

    /// <inheritdoc />
    public void WriteRegister(int offset, uint value) => _queue.WriteRegister(Translate(offset), value);

    /// <inheritdoc />
    public void WriteMsixEntry(int vector, ulong address, uint data)
    {
        if (vector == _aliasQueue % 32 || vector == _aliasQueue)
        {
            vector = _queue.Vector; // "its own queue's vector"
        }
        _queue.WriteMsixEntry(vector, address, data);
        _queue.WriteRegister(Nic.Registers.EIMS, _queue.ReadRegister(Nic.Registers.EIMS) | 1u << (vector & 31)); // and unmask it, as its owner may
    }

    /// <inheritdoc />
    public void SendToSelf() => PostRawTx(UmemBus, 64);

    /// <summary>A per-queue register of the attack's own (mediated, aliased) queue becomes the direct queue's.</summary>
    private int Translate(int offset)
    {
        foreach (int block in (ReadOnlySpan<int>)[Nic.Registers.RDBAL(0), Nic.Registers.TDBAL(0)])
        {
            int rel = offset - block;
            if (rel >= 0 && rel < 0x40 * Nic.Registers.MaxQueues && rel / 0x40 == _aliasQueue)
            {
                return block + 0x40 * _queue.DeviceQueue + rel % 0x40;
            }
        }
        return offset;
    }

    /// <summary>Closes the direct queue (the broker disables its queue pair) and the connection.</summary>
    public void Dispose()
    {
        _queue.Dispose();
        _client.Dispose();
    }
}
