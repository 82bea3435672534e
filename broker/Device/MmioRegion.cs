using System.Runtime.CompilerServices;

namespace Mediator.Broker.Device;

/// <summary>
/// The one view over device register memory (BAR0, the MSI-X table): 32-bit little-endian registers
/// at 4-byte aligned offsets, bounds checked, with acquire loads and release stores. Nobody else casts
/// the BAR pointer.
/// </summary>
internal sealed unsafe class MmioRegion
{
    private readonly byte* _base;
    private readonly int _length;

    public MmioRegion(byte* @base, int length)
    {
        _base = @base;
        _length = length;
    }

    /// <summary>Acquire load: pairs with the other side's release store of the same register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Read(int offset) => Volatile.Read(ref *At(offset));

    /// <summary>Release store: everything written before (descriptors, data) is visible first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(int offset, uint value) => Volatile.Write(ref *At(offset), value);

    /// <summary>Atomic OR (full fence): the device sets cause bits while the driver clears them by exchange.</summary>
    public uint Or(int offset, uint bits) => Interlocked.Or(ref *At(offset), bits);

    /// <summary>Atomic exchange (full fence): how a driver reads and clears a cause register.</summary>
    public uint Exchange(int offset, uint value) => Interlocked.Exchange(ref *At(offset), value);

    /// <summary>Adds to a device-owned statistics register (the device is its only writer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int offset, uint amount)
    {
        uint* p = At(offset);
        Volatile.Write(ref *p, *p + amount); // release: pairs with the driver's acquire read of the counter
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint* At(int offset)
    {
        if ((uint)offset > (uint)(_length - sizeof(uint)) || (offset & 3) != 0)
        {
            ThrowBadOffset(offset);
        }
        return (uint*)(_base + offset);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadOffset(int offset) =>
        throw new ArgumentOutOfRangeException(nameof(offset), offset, "register offset outside the region or not 4-byte aligned");
}
