using System.Runtime.InteropServices;

namespace Mediator.Abi;

/// <summary>
/// First cache line of each queue area: magic, ABI version and the geometry, written by the broker
/// when it creates the area. The client checks it on attach; the broker never reads it back (the
/// client could have scribbled on its own area).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct AreaHeader
{
    /// <summary>Bytes the header occupies.</summary>
    public const int Size = AbiVersion.CacheLine;

    /// <summary><see cref="AbiVersion.ClientAreaMagic"/> or <see cref="AbiVersion.BrokerAreaMagic"/>.</summary>
    [FieldOffset(0)] public uint Magic;
    /// <summary><see cref="AbiVersion.Current"/>.</summary>
    [FieldOffset(4)] public ushort Version;
    /// <summary>Bytes of this header (64), so later versions can grow it.</summary>
    [FieldOffset(6)] public ushort HeaderSize;
    /// <summary>The geometry the area was laid out for.</summary>
    [FieldOffset(8)] public QueueGeometry Geometry;
    /// <summary>Total bytes of the area.</summary>
    [FieldOffset(32)] public ulong AreaSize;
}
