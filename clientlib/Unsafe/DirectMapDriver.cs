using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Client.Unsafe;

/// <summary>
/// A user-space 82599 driver for one queue pair mapped igb_uio-style (<see cref="ClientMode.DirectMap"/>),
/// in the manner of ixy: no broker on the data path, descriptors with raw bus addresses written straight
/// into the device rings, TDT/RDT doorbells in BAR0, completion by the DD bit. The throughput baseline
/// Mediated mode is measured against. Same shape as <see cref="ClientQueue"/>'s simple and batch APIs:
/// TX (<see cref="ReserveTx"/>/<see cref="TxSlot"/>/<see cref="SubmitTx"/>, <see cref="ReapCompletions"/>,
/// <see cref="TrySend"/>, <see cref="SendBatch"/>) in <c>IxgbeTxQueue.cs</c>; RX (<see cref="PeekRx"/>/
/// <see cref="RxAt"/>/<see cref="ReleaseRx"/>, <see cref="ReserveFill"/>/<see cref="FillSlot"/>/
/// <see cref="SubmitFill"/>, <see cref="Refill"/>, <see cref="TryReceive"/>) in <c>IxgbeRxQueue.cs</c>;
/// the probe in <c>IxgbeProbe.cs</c>.
/// </summary>
/// <remarks>Not thread-safe: one thread drives the queue pair. Frames come from <see cref="Frames"/>.</remarks>
public sealed class DirectMapDriver : IDirectTransmitter, IDisposable
{
    private readonly IxgbeTxQueue _tx;
    private readonly IxgbeRxQueue _rx;

    /// <summary>Probes the queue pair of <paramref name="device"/> and arms RX buffers (<see cref="Refill"/>).</summary>
    /// <exception cref="ArgumentException">The queue is not in DirectMap mode.</exception>
    /// <exception cref="MediatorException">The device's registers disagree with what the broker announced.</exception>
    public DirectMapDriver(DirectQueue device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Mode != ClientMode.DirectMap)
        {
            throw new ArgumentException($"a {device.Mode} queue has no device RX ring or BAR0; use TxDirectDriver", nameof(device));
        }
        Device = device;
        IxgbeProbe.Check(device);
        _tx = new IxgbeTxQueue(device);
        _rx = new IxgbeRxQueue(device);
        _rx.Refill();
    }

    /// <summary>The raw queue: rings, registers, bus addresses.</summary>
    public DirectQueue Device { get; }

    /// <summary>The queue's MAC (frames to it are steered here).</summary>
    public ReadOnlySpan<byte> Mac => Device.Mac;

    /// <summary>The geometry of the UMEM.</summary>
    public QueueGeometry Geometry => Device.Queue.Geometry;

    /// <summary>The UMEM frames not in use.</summary>
    public FrameAllocator Frames => Device.Queue.Frames;

    /// <summary>Frames <see cref="Refill"/> keeps armed for RX.</summary>
    public int FillTarget => _rx.FillTarget;

    /// <summary>TX descriptors posted.</summary>
    public long Sent => _tx.Sent;

    /// <summary>TX descriptors the device completed (DD), reaped.</summary>
    public long Completed => _tx.Completed;

    /// <summary>TX descriptors at the device.</summary>
    public uint TxInFlight => _tx.InFlight;

    /// <summary>Frames received.</summary>
    public long Received => _rx.Received;

    /// <summary><paramref name="length"/> bytes of the UMEM at <paramref name="offset"/> (bounds-checked).</summary>
    public Span<byte> Frame(ulong offset, int length) => Device.Queue.Frame(offset, length);

    /// <summary>Free TX descriptors, up to <paramref name="n"/>, and the first one's index.</summary>
    public uint ReserveTx(uint n, out uint index) => _tx.Reserve(n, out index);

    /// <summary>The frame (UMEM offset and length) to send in slot <paramref name="index"/>.</summary>
    public ref TxRequest TxSlot(uint index) => ref _tx.Slot(index);

    /// <summary>Writes <paramref name="n"/> TX descriptors and rings TDT once.</summary>
    public void SubmitTx(uint n) => _tx.Submit(n);

    /// <summary>Reaps TX descriptors with DD; their frames return to <see cref="Frames"/>.</summary>
    public uint ReapCompletions(uint max = uint.MaxValue) => _tx.Clean(max);

    /// <summary>Copies <paramref name="frame"/> into a free frame and sends it; false when none or no descriptor is free.</summary>
    public bool TrySend(ReadOnlySpan<byte> frame) => _tx.TrySend(frame);

    /// <summary>Sends up to <paramref name="count"/> frames laid end to end with one doorbell; returns how many.</summary>
    public int SendBatch(ReadOnlySpan<byte> frames, int frameLength, int count) => _tx.SendBatch(frames, frameLength, count);

    /// <summary>Received frames ready, up to <paramref name="max"/>, and the first one's index.</summary>
    public uint PeekRx(uint max, out uint index) => _rx.Peek(max, out index);

    /// <summary>The received frame at <paramref name="index"/>: UMEM offset, length, Ok or DeviceError (cut).</summary>
    public Completion RxAt(uint index) => _rx.At(index);

    /// <summary>Takes <paramref name="n"/> peeked frames; re-arm them with the fill calls or free them to <see cref="Frames"/>.</summary>
    public void ReleaseRx(uint n) => _rx.Release(n);

    /// <summary>Free RX descriptors, up to <paramref name="n"/>, and the first one's index.</summary>
    public uint ReserveFill(uint n, out uint index) => _rx.ReserveFill(n, out index);

    /// <summary>The frame to arm in RX slot <paramref name="index"/>.</summary>
    public ref FillEntry FillSlot(uint index) => ref _rx.FillSlot(index);

    /// <summary>Writes <paramref name="n"/> RX descriptors and rings RDT once.</summary>
    public void SubmitFill(uint n) => _rx.SubmitFill(n);

    /// <summary>Arms free frames until <see cref="FillTarget"/> are armed; returns how many.</summary>
    public int Refill() => _rx.Refill();

    /// <summary>Copies the next received frame and re-arms its buffer; false when none is ready.</summary>
    public bool TryReceive(Span<byte> destination, out int length) => _rx.TryReceive(destination, out length);

    /// <summary>Closes the queue (the broker disables the queue pair) and unmaps the device.</summary>
    public void Dispose() => Device.Dispose();
}
