using Mediator.Broker.Device;
using Mediator.Control;
using Microsoft.Extensions.Logging;

namespace Mediator.Broker.Mediation;

/// <summary>
/// The broker's data-path thread. Each round it serves every queue once, round-robin, with the same
/// budget (so a flooding client cannot starve another): TX reap + intake (<see cref="TxPath"/>), then
/// a device step when the device is inline, then RX delivery (<see cref="RxPath"/>). When a number of
/// rounds find nothing to do it sets need-wakeup on every TX ring and sleeps on the kick eventfds; a
/// busy-polling client therefore never makes it enter the kernel.
/// </summary>
internal sealed class DataPathLoop : PollingThread
{
    private readonly DeviceModel _device;
    private readonly bool _inlineDevice;
    private readonly uint _budget;
    private readonly TimeSpan _drainTimeout;
    private readonly RearmSignal _rearm;
    private readonly ILogger _logger;

    public DataPathLoop(DeviceModel device, bool inlineDevice, int budget, int idleSpins, TimeSpan drainTimeout, RearmSignal rearm, ILogger logger)
        : base("mediator-datapath", idleSpins, s => s.Events.TxKick)
    {
        _device = device;
        _inlineDevice = inlineDevice;
        _budget = (uint)budget;
        _drainTimeout = drainTimeout;
        _rearm = rearm;
        _logger = logger;
    }

    protected override void LogFault(Exception e) => Log.DataPathFailed(_logger, e);

    protected override int Round()
    {
        var sessions = Sessions.Sessions;
        int work = 0;
        for (int i = 0; i < sessions.Length; i++)
        {
            if (sessions[i].Front is { } front) // a vhost-user port: its in-broker client posts first
            {
                work += front.PumpTx();
            }
            if (sessions[i].BrokerDrivesTx) // TxDirect and DirectMap clients write the device TX ring themselves
            {
                work += TxPath.Run(sessions[i], _budget);
            }
        }
        if (_inlineDevice)
        {
            work += _device.Step((int)_budget * Math.Max(1, sessions.Length));
        }
        for (int i = 0; i < sessions.Length; i++)
        {
            if (sessions[i].BrokerDrivesRx) // DirectMap clients reap the device RX ring themselves
            {
                work += RxPath.Run(sessions[i], _budget, _rearm);
            }
            if (sessions[i].Front is { } front)
            {
                work += front.PumpRx();
            }
        }
        return work;
    }

    protected override void Sleep()
    {
        var sessions = Sessions.Sessions;
        bool blocked = false;
        for (int i = 0; i < sessions.Length; i++)
        {
            var s = sessions[i];
            blocked |= s.TxRequests.PrepareToSleep();
            blocked |= s.TxPosted != s.TxCleaned || s.FillRefusalsIn.Available() != 0
                || (s.RxCleaned != Volatile.Read(ref s.RxArmed) && s.Driver.RxDone(s.RxCleaned, out _, out _))
                // A client that rings the device's doorbell itself kicks only if it saw need-wakeup (set
                // above, then a full fence): re-check its tail so a doorbell rung just before is not lost.
                || (!s.BrokerDrivesTx && s.Driver.DeviceTxPending());
            blocked |= s.Front?.PrepareToSleep() ?? false; // always called: it asks the guest to kick
        }
        // Blocked on a client that does not reap, or on the device: nap briefly rather than spin.
        // Otherwise sleep until a kick, an interrupt or a command.
        Sessions.Sleep(blocked ? 1 : 1000, QueueCounter.Wakeups, s => s.DataPathCounters);
        sessions = Sessions.Sessions;
        for (int i = 0; i < sessions.Length; i++)
        {
            sessions[i].TxRequests.ClearNeedWakeup();
            sessions[i].Front?.ClearNeedWakeup();
        }
    }

    protected override void OnRemoved(QueueSession s)
    {
        s.Front?.Detach(); // before teardown: the guest's rings are never touched again
        QueueTeardown.Run(s, _drainTimeout, _inlineDevice ? () => _device.Step(1024) : null);
    }
}
