namespace Mediator.Broker.Device;

/// <summary>
/// One range of host memory made visible at a bus address. Created by <see cref="BusAddressSpace.Map"/>;
/// ids are never reused, so a stale id held by an in-flight DMA can never name a different region.
/// The host memory belongs to whoever mapped it and must outlive the mapping.
/// </summary>
public sealed unsafe class BusRegion
{
    private int _mapped = 1;

    // Audit counters. The DMA engine is single-threaded, so it increments them plainly; observers
    // read them with Volatile.Read (a torn or slightly stale value is acceptable for reporting).
    internal long Reads;
    internal long Writes;
    internal long BytesRead;
    internal long BytesWritten;
    internal long Violations;

    internal BusRegion(int id, string name, RegionKind kind, ulong busAddress, byte* host, long length, int ownerTag, bool streamDmaWrites)
    {
        StreamDmaWrites = streamDmaWrites;
        Id = id;
        Name = name;
        Kind = kind;
        BusAddress = busAddress;
        Host = host;
        Length = length;
        OwnerTag = ownerTag;
    }

    /// <summary>Region id (1-based, never reused).</summary>
    public int Id { get; }

    /// <summary>A name for reports.</summary>
    public string Name { get; }

    /// <summary>What the region holds.</summary>
    public RegionKind Kind { get; }

    /// <summary>The first bus address (page aligned).</summary>
    public ulong BusAddress { get; }

    /// <summary>Bytes of host memory behind the region.</summary>
    public long Length { get; }

    /// <summary>The first host byte.</summary>
    public byte* Host { get; }

    /// <summary>Who owns the memory (a client id; -1: the broker). Used by the audit's violation rule.</summary>
    public int OwnerTag { get; }

    /// <summary>
    /// Whether the model's DMA writes land here with streaming stores (around the broker's caches, as a
    /// NIC's writes land in memory): for memory a process on another core reads next, where a cached
    /// store would first fetch each line for ownership from that core. Memory the broker itself reads
    /// next (a vhost-user port's queue) keeps cached stores. Only how the model's stores reach memory:
    /// the device treats the bytes alike either way.
    /// </summary>
    public bool StreamDmaWrites { get; }

    /// <summary>Whether the region is still mapped.</summary>
    public bool IsMapped => Volatile.Read(ref _mapped) != 0;

    /// <summary>One past the last bus address of the region.</summary>
    public ulong EndAddress => BusAddress + (ulong)Length;

    /// <summary>The bus address <paramref name="offset"/> bytes into the region.</summary>
    public ulong AddressOf(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Length);
        return BusAddress + (ulong)offset;
    }

    // Release: pairs with the acquire in IsMapped; written after the page-table entries were cleared.
    internal void MarkUnmapped() => Volatile.Write(ref _mapped, 0);

    /// <inheritdoc />
    public override string ToString() => $"region {Id} '{Name}' ({Kind}) at 0x{BusAddress:x}+{Length}";
}
