using System.Diagnostics;
using Mediator.Control;

namespace Mediator.Broker.Mediation;

/// <summary>
/// Quiesces and frees a queue whose client closed it, disconnected or died, on the data-path thread
/// after the re-arm worker has let go of it: stop taking requests, let the device finish what it holds
/// (or cancel after a deadline), disable the queue pair, unmap its memory from the bus so no stray DMA
/// can reach it, and close every descriptor. Every request taken is accounted: sent or cancelled.
/// </summary>
internal static class QueueTeardown
{
    /// <summary>Drains and frees <paramref name="s"/>; <paramref name="stepDevice"/> steps an inline device.</summary>
    public static void Run(QueueSession s, TimeSpan drainTimeout, Action? stepDevice)
    {
        s.Closing = true;
        long deadline = Stopwatch.GetTimestamp() + (long)(drainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (s.TxPosted != s.TxCleaned && Stopwatch.GetTimestamp() < deadline)
        {
            stepDevice?.Invoke();
            TxPath.Run(s, 0);
            if (stepDevice is null)
            {
                Thread.Yield();
            }
        }
        s.Driver.Disable();
        stepDevice?.Invoke(); // an inline device sees the disable before the memory goes
        uint cancelled = s.TxPosted - s.TxCleaned;
        if (cancelled != 0)
        {
            s.DataPathCounters.Add(QueueCounter.Cancelled, cancelled);
            s.TxCleaned = s.TxPosted;
        }
        s.Driver.Dispose();
        s.Events.Dispose();
        s.FillRefusalMemory.Dispose();
        s.Memory.Dispose();
    }
}
