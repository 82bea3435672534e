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

/// <summary>Opens the unsafe-mode access for a queue, when the client library provides it.</summary>
public static class UnsafeModes
{
    /// <summary>
    /// Why the unsafe modes cannot run yet; null once <c>Mediator.Client.Unsafe.DirectQueue</c> exists
    /// and <see cref="OpenDirect"/> is wired to it.
    /// </summary>
    public static string? Unavailable { get; } =
        "Mediator.Client.Unsafe.DirectQueue (raw TX/RX rings, BAR0, MSI-X, bus addresses) is not on main yet";

    /// <summary>Opens raw device access for <paramref name="queue"/> in <paramref name="mode"/>.</summary>
    /// <exception cref="ModeUnavailableException">Always, until the client library provides the unsafe modes.</exception>
    public static IDirectQueue OpenDirect(RawQueue queue, EvalMode mode) =>
        throw new ModeUnavailableException($"{mode}: {Unavailable}");
}
