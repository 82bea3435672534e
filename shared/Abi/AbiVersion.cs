namespace Mediator.Abi;

/// <summary>Version and magic numbers of the shared-memory and control ABI.</summary>
public static class AbiVersion
{
    /// <summary>The ABI revision described in docs/abi.md. A peer with another value is refused.</summary>
    public const ushort Current = 1;

    /// <summary>"MDQC" little-endian: header of the client-writable queue area.</summary>
    public const uint ClientAreaMagic = 0x4351444D;

    /// <summary>"MDQB" little-endian: header of the broker-written (client read-only) queue area.</summary>
    public const uint BrokerAreaMagic = 0x4251444D;

    /// <summary>"MDCT" little-endian: first word of every control message.</summary>
    public const uint ControlMagic = 0x5443444D;

    /// <summary>Bytes in a cache line: every index one side writes sits alone on one.</summary>
    public const int CacheLine = 64;

    /// <summary>Page size the areas are rounded to.</summary>
    public const int PageSize = 4096;
}
