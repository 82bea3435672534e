namespace Mediator.Broker.Device;

/// <summary>Direction of a DMA access, seen from the device.</summary>
public enum DmaOp : byte
{
    /// <summary>The device read host memory (descriptor fetch, TX frame).</summary>
    Read,
    /// <summary>The device wrote host memory (RX frame, write-back, MSI-X message).</summary>
    Write,
}

/// <summary>One logged DMA access. <see cref="RegionId"/> 0 means the address did not translate (a fault).</summary>
/// <param name="Sequence">Position in the audit's log (0-based, counts every logged access).</param>
/// <param name="Queue">Audit queue id the access was made for (<see cref="DmaAudit.NoQueue"/>: none).</param>
/// <param name="Op">Read or write.</param>
/// <param name="BusAddress">First bus address.</param>
/// <param name="Length">Bytes.</param>
/// <param name="RegionId">Region touched; 0 for a fault.</param>
/// <param name="Kind">Kind of the region touched (meaningless for a fault).</param>
/// <param name="Violation">Whether the access broke the owner rule.</param>
public readonly record struct DmaRecord(long Sequence, int Queue, DmaOp Op, ulong BusAddress, uint Length, int RegionId, RegionKind Kind, bool Violation);

/// <summary>DMA totals of one region.</summary>
/// <param name="RegionId">Region id.</param>
/// <param name="Name">Region name.</param>
/// <param name="Kind">Region kind.</param>
/// <param name="OwnerTag">Region owner (-1: broker).</param>
/// <param name="BusAddress">First bus address.</param>
/// <param name="Length">Bytes.</param>
/// <param name="Mapped">Whether it is still mapped.</param>
/// <param name="Reads">Read accesses.</param>
/// <param name="Writes">Write accesses.</param>
/// <param name="BytesRead">Bytes read.</param>
/// <param name="BytesWritten">Bytes written.</param>
/// <param name="Violations">Accesses that broke the owner rule.</param>
public readonly record struct RegionDmaStats(int RegionId, string Name, RegionKind Kind, int OwnerTag, ulong BusAddress, long Length,
    bool Mapped, long Reads, long Writes, long BytesRead, long BytesWritten, long Violations);

/// <summary>A point-in-time copy of the audit, for reports.</summary>
/// <param name="Reads">Read accesses that translated.</param>
/// <param name="Writes">Write accesses that translated.</param>
/// <param name="Faults">Accesses to addresses that did not translate.</param>
/// <param name="Violations">Accesses that broke the owner rule (must be 0 in Mediated mode).</param>
/// <param name="Regions">Per-region totals, every region ever mapped.</param>
public sealed record DmaAuditSnapshot(long Reads, long Writes, long Faults, long Violations, IReadOnlyList<RegionDmaStats> Regions);
