using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Mediator.Broker.Device;

/// <summary>
/// The time of one device step, read from <see cref="Stopwatch"/> only when some part of the step needs
/// it (line-rate pacing, an interrupt throttle, a source wire): a clock read costs tens of nanoseconds in
/// a VM, and a real NIC's timers cost its host nothing. Tests step at a fixed time instead.
/// </summary>
internal sealed class StepClock
{
    private long _now;
    private bool _known;

    /// <summary>Starts a step whose time is read on first use.</summary>
    public void StartLazy() => _known = false;

    /// <summary>Starts a step at a given time (Stopwatch ticks).</summary>
    public void StartAt(long timestamp)
    {
        _now = timestamp;
        _known = true;
    }

    /// <summary>The step's time: the same value for the whole step.</summary>
    public long Now
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (!_known)
            {
                _now = Stopwatch.GetTimestamp();
                _known = true;
            }
            return _now;
        }
    }
}
