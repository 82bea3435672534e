namespace Mediator.Broker.Device;

/// <summary>Configuration of a <see cref="DeviceModel"/>.</summary>
public sealed class DeviceModelOptions
{
    /// <summary>First bus address.</summary>
    public ulong BusWindowBase { get; init; } = BusAddressSpace.DefaultWindowBase;

    /// <summary>Bus window size (the page table holds one int per 4 KiB of it).</summary>
    public ulong BusWindowBytes { get; init; } = BusAddressSpace.DefaultWindowBytes;

    /// <summary>Most ports (sizes the audit's queue-owner table).</summary>
    public int MaxPorts { get; init; } = 4;
}
