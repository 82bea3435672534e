using Mediator.Abi;

namespace Mediator.Client.Unsafe;

/// <summary>
/// The TX half both direct drivers share (<see cref="DirectMapDriver"/>, <see cref="TxDirectDriver"/>):
/// the batch API of <see cref="ClientQueue"/>, with device descriptors instead of requests.
/// </summary>
public interface IDirectTransmitter
{
    /// <summary>The queue's MAC.</summary>
    ReadOnlySpan<byte> Mac { get; }

    /// <summary>The UMEM frames not in use.</summary>
    FrameAllocator Frames { get; }

    /// <summary>TX descriptors posted.</summary>
    long Sent { get; }

    /// <summary>TX descriptors completed (DD) and reaped.</summary>
    long Completed { get; }

    /// <summary>TX descriptors at the device.</summary>
    uint TxInFlight { get; }

    /// <summary><paramref name="length"/> bytes of the UMEM at <paramref name="offset"/>.</summary>
    Span<byte> Frame(ulong offset, int length);

    /// <summary>Free TX descriptors, up to <paramref name="n"/>, and the first one's index.</summary>
    uint ReserveTx(uint n, out uint index);

    /// <summary>The frame to send in slot <paramref name="index"/>.</summary>
    ref TxRequest TxSlot(uint index);

    /// <summary>Writes <paramref name="n"/> descriptors and rings the doorbell once.</summary>
    void SubmitTx(uint n);

    /// <summary>Reaps descriptors with DD; their frames return to <see cref="Frames"/>.</summary>
    uint ReapCompletions(uint max = uint.MaxValue);
}
