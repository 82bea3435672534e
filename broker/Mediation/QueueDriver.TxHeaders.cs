using System.Runtime.CompilerServices;
using Mediator.Nic;

namespace Mediator.Broker.Mediation;

/// <summary>
/// Two-buffer TX frames for the packet policies: the header the broker checked, from a broker-private
/// slot the client cannot map, then the rest of the frame from the client's UMEM.
/// </summary>
internal sealed unsafe partial class QueueDriver
{
    /// <summary>
    /// Bytes of one header slot: a checked header (18 bytes), or a whole small frame (up to this size,
    /// tag included), which then goes out as one descriptor from broker memory.
    /// </summary>
    public const int TxHeaderSlot = 128;

    /// <summary>The broker-private header slot of TX descriptor <paramref name="slot"/> (free-running).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* TxHeader(uint slot) => _txHeaderMemory.Pointer + (nuint)(slot & TxMask) * TxHeaderSlot;

    /// <summary>
    /// Writes the first descriptor of a frame: <paramref name="headerLength"/> bytes from the header slot
    /// of <paramref name="slot"/>. <paramref name="last"/> makes it the whole frame (EOP, RS).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteTxHeader(uint slot, uint headerLength, uint frameLength, bool last) =>
        _tx[slot & TxMask] = TxDescriptor.ForSegment(_txHeaderRegion.BusAddress + (ulong)(slot & TxMask) * TxHeaderSlot, headerLength, frameLength, last);

    /// <summary>Writes a frame's last descriptor (EOP, RS): <paramref name="length"/> bytes at <paramref name="busAddress"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteTxLast(uint slot, ulong busAddress, uint length) =>
        _tx[slot & TxMask] = TxDescriptor.ForSegment(busAddress, length, 0, last: true);
}
