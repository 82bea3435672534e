using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Client.Unsafe;

/// <summary>
/// The TX half of the 82599 driver (<c>IxgbeTxQueue.cs</c>) over a <see cref="ClientMode.TxDirect"/>
/// queue: descriptors written into the device TX ring, the doorbell rung on the queue's own doorbell
/// page. RX stays mediated: receive with <see cref="Queue"/> (<see cref="ClientQueue.TryReceive"/>, the
/// batch RX API), whose fill ring this constructor tops up.
/// </summary>
/// <remarks>Not thread-safe; TX and the mediated RX share <see cref="Frames"/>.</remarks>
public sealed class TxDirectDriver : IDirectTransmitter, IDisposable
{
    private readonly IxgbeTxQueue _tx;

    /// <summary>Takes over the TX ring of <paramref name="device"/> and lends the broker RX buffers.</summary>
    /// <exception cref="ArgumentException">The queue is not in TxDirect mode.</exception>
    public TxDirectDriver(DirectQueue device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Mode != ClientMode.TxDirect)
        {
            throw new ArgumentException($"a {device.Mode} queue is not TxDirect; use DirectMapDriver", nameof(device));
        }
        Device = device;
        _tx = new IxgbeTxQueue(device);
        device.Queue.Refill();
    }

    /// <summary>The raw queue.</summary>
    public DirectQueue Device { get; }

    /// <summary>The mediated side: RX through the broker.</summary>
    public ClientQueue Queue => Device.Queue;

    /// <summary>The queue's MAC.</summary>
    public ReadOnlySpan<byte> Mac => Device.Mac;

    /// <summary>The UMEM frames not in use.</summary>
    public FrameAllocator Frames => Device.Queue.Frames;

    /// <summary>TX descriptors posted.</summary>
    public long Sent => _tx.Sent;

    /// <summary>TX descriptors the device completed (DD), reaped.</summary>
    public long Completed => _tx.Completed;

    /// <summary>TX descriptors at the device.</summary>
    public uint TxInFlight => _tx.InFlight;

    /// <summary><paramref name="length"/> bytes of the UMEM at <paramref name="offset"/>.</summary>
    public Span<byte> Frame(ulong offset, int length) => Device.Queue.Frame(offset, length);

    /// <summary>Free TX descriptors, up to <paramref name="n"/>, and the first one's index.</summary>
    public uint ReserveTx(uint n, out uint index) => _tx.Reserve(n, out index);

    /// <summary>The frame to send in slot <paramref name="index"/>.</summary>
    public ref TxRequest TxSlot(uint index) => ref _tx.Slot(index);

    /// <summary>Writes <paramref name="n"/> TX descriptors and rings the doorbell page once.</summary>
    public void SubmitTx(uint n) => _tx.Submit(n);

    /// <summary>Reaps TX descriptors with DD; their frames return to <see cref="Frames"/>.</summary>
    public uint ReapCompletions(uint max = uint.MaxValue) => _tx.Clean(max);

    /// <summary>Copies <paramref name="frame"/> into a free frame and sends it.</summary>
    public bool TrySend(ReadOnlySpan<byte> frame) => _tx.TrySend(frame);

    /// <summary>Sends up to <paramref name="count"/> frames laid end to end with one doorbell.</summary>
    public int SendBatch(ReadOnlySpan<byte> frames, int frameLength, int count) => _tx.SendBatch(frames, frameLength, count);

    /// <summary>Closes the queue and unmaps the device.</summary>
    public void Dispose() => Device.Dispose();
}
