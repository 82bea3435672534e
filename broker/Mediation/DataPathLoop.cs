using Mediator.Broker.Device;
using Mediator.Control;
using Microsoft.Extensions.Logging;

namespace Mediator.Broker.Mediation;

/// <summary>
/// The broker's data-path thread. Each round it serves every queue once, round-robin, with the same
/// budget (so a flooding client cannot starve another): TX reap + intake (<see cref="TxPath"/>), then
/// RX re-arm (<see cref="RxRearm"/>) when re-arm is inline, a device step when the device is inline,
/// then RX delivery (<see cref="RxPath"/>). When a number of rounds find nothing to do it sets
/// need-wakeup on every ring it consumes and sleeps on their kick eventfds; a busy-polling client
/// therefore never makes it enter the kernel.
/// </summary>
/// <remarks>
/// With inline re-arm the same safety rules hold as with the parallel worker: the fill entry is copied
/// once and validated, the frame is claimed for RX under the same ownership handshake (its fences then
/// order one thread's own accesses, which costs a fence and nothing else), and refusals travel over the
/// same private ring to <see cref="RxPath"/>, which returns them on the client's RX ring in the same round.
/// </remarks>
internal sealed class DataPathLoop : PollingThread
{
    private readonly DeviceModel _device;
    private readonly bool _inlineDevice;
    private readonly uint _budget;
    private readonly TimeSpan _drainTimeout;
    private readonly RearmSignal? _rearm;
    private readonly bool _inlineRearm;
    private readonly ILogger _logger;
    private uint _round;

    // rearm: how to wake the parallel re-arm worker; null: this thread re-arms inline and also sleeps on the fill kicks.
    public DataPathLoop(DeviceModel device, bool inlineDevice, int budget, int idleSpins, TimeSpan drainTimeout, RearmSignal? rearm, ILogger logger)
        : base("mediator-datapath", idleSpins, rearm is null ? [s => s.Events.TxKick, s => s.Events.FillKick] : [s => s.Events.TxKick])
    {
        _inlineRearm = rearm is null;
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
        uint round = ++_round;
        int work = 0;
        for (int i = 0; i < sessions.Length; i++)
        {
            var s = sessions[i];
            s.Visited = IdlePolling.Visits(s, round, i);
            s.RoundWork = 0;
            if (!s.Visited)
            {
                continue;
            }
            if (s.Front is { } front) // a vhost-user port: its in-broker client posts first
            {
                s.RoundWork += front.PumpTx();
            }
            if (s.BrokerDrivesTx) // TxDirect and DirectMap clients write the device TX ring themselves
            {
                s.RoundWork += TxPath.Run(s, _budget);
            }
        }
        if (_inlineRearm)
        {
            // Before the device step, so buffers the client lent just now can take this step's frames.
            for (int i = 0; i < sessions.Length; i++)
            {
                if (sessions[i].Visited)
                {
                    sessions[i].RoundWork += RxRearm.Run(sessions[i], _budget);
                }
            }
        }
        if (_inlineDevice)
        {
            work += _device.Step((int)_budget * Math.Max(1, sessions.Length));
        }
        for (int i = 0; i < sessions.Length; i++)
        {
            var s = sessions[i];
            if (!s.Visited)
            {
                continue;
            }
            if (s.BrokerDrivesRx) // DirectMap clients reap the device RX ring themselves
            {
                s.RoundWork += RxPath.Run(s, _budget, _rearm);
            }
            if (s.Front is { } front)
            {
                s.RoundWork += front.PumpRx();
            }
            IdlePolling.Account(s, s.RoundWork);
            work += s.RoundWork;
        }
        return work;
    }

    protected override void Sleep()
    {
        var sessions = Sessions.Sessions;
        bool blocked = false;
        bool ready = false;
        for (int i = 0; i < sessions.Length; i++)
        {
            var s = sessions[i];
            if (s.TxRequests.PrepareToSleep())
            {
                // Requests arrived after the last round without a kick (the client saw no need-wakeup
                // yet): take them now. A full completion ring (a client that does not reap) or a full device
                // ring makes us nap instead.
                if (TxPath.HasRoom(s) && !s.Closing)
                {
                    ready = true;
                }
                else
                {
                    blocked = true;
                }
            }
            if (_inlineRearm && s.Fill.PrepareToSleep() && s.BrokerDrivesRx)
            {
                // Fill entries arrived after the last round: re-arm now if the device ring and the refusal
                // ring have room; without room, the delivery that frees it is the work we wait for (so a
                // client that never reads its RX ring cannot keep this thread from sleeping). Both indices
                // are this thread's own with inline re-arm: plain reads.
                uint room = s.Driver.RxSize - 1 - (s.RxArmed - s.RxCleaned);
                ready |= room != 0 && s.FillRefusalsOut.Free(1) != 0 && !s.Closing;
            }
            // A deferred wake-up (none is left after an idle round; this only guards the invariant).
            blocked |= s.TxNotifier.Owed || s.RxNotifier.Owed;
            bool delivery = s.FillRefusalsIn.Available() != 0
                || (s.RxCleaned != Volatile.Read(ref s.RxArmed) && s.Driver.RxDone(s.RxCleaned, out _, out _));
            if (delivery && s.IdleRounds >= IdlePolling.RoundsBeforeBackoff)
            {
                ready = true; // a quiet queue the last rounds skipped (IdlePolling): deliver now, not after a nap
            }
            blocked |= s.TxPosted != s.TxCleaned || delivery
                // A client that rings the device's doorbell itself kicks only if it saw need-wakeup (set
                // above, then a full fence): re-check its tail so a doorbell rung just before is not lost.
                || (!s.BrokerDrivesTx && s.Driver.DeviceTxPending());
            blocked |= s.Front?.PrepareToSleep() ?? false; // always called: it asks the guest to kick
        }
        // Work arrived during the re-check: no sleep. Blocked on a client that does not reap, or on the
        // device: nap briefly rather than spin. Otherwise sleep until a kick, an interrupt or a command.
        if (!ready)
        {
            Sessions.Sleep(blocked ? 1 : 1000, QueueCounter.Wakeups, s => s.DataPathCounters);
        }
        sessions = Sessions.Sessions;
        for (int i = 0; i < sessions.Length; i++)
        {
            sessions[i].IdleRounds = 0; // woken: visit every session until it is quiet again
            sessions[i].TxRequests.ClearNeedWakeup();
            sessions[i].Front?.ClearNeedWakeup();
            if (_inlineRearm)
            {
                sessions[i].Fill.ClearNeedWakeup();
            }
        }
    }

    protected override void OnRemoved(QueueSession s)
    {
        s.Front?.Detach(); // before teardown: the guest's rings are never touched again
        QueueTeardown.Run(s, _drainTimeout, _inlineDevice ? () => _device.Step(1024) : null);
    }
}
