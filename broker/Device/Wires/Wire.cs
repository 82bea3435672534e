namespace Mediator.Broker.Device;

/// <summary>
/// Something frames travel over: it takes what a port transmits, and may produce frames for ports to
/// receive. Called once per burst (never per packet), so a virtual call here costs nothing noticeable.
/// All calls happen on the thread that steps the <see cref="DeviceModel"/>.
/// </summary>
public abstract class Wire
{
    /// <summary>Carries a burst <paramref name="from"/> transmitted. The batch is reused after the call returns.</summary>
    public abstract void Transmit(NicPort from, FrameBatch frames);

    /// <summary>Whether this wire produces frames on its own (<see cref="Poll"/> does work): the device polls only such wires.</summary>
    public virtual bool IsSource => false;

    /// <summary>Does source work (generate or read frames and deliver them); returns frames produced.</summary>
    public virtual int Poll(int budget, long timestamp) => 0;
}
