using System.Diagnostics.Metrics;
using Mediator.Abi;
using Mediator.Broker.Mediation;
using Mediator.Control;

namespace Mediator.Broker.Hosting;

/// <summary>
/// The broker's counters as System.Diagnostics.Metrics instruments (meter <see cref="MeterName"/>),
/// readable with <c>dotnet-counters monitor -n mediator --counters Mediator.Broker</c>. Every instrument
/// is observable: it reads the queues' existing <see cref="QueueCounters"/> and ring indices when a
/// listener collects, so the data path pays nothing per packet.
/// </summary>
/// <remarks>
/// Per-queue measurements carry the tags <c>client.id</c>, <c>queue.id</c>, <c>app</c> and
/// <c>policy</c>; refusals and drops add <c>reason</c>, ring occupancy adds <c>ring</c>. A queue's
/// series ends when it closes. Collection takes a lock shared only with queue registration, so a
/// queue is never read after the control plane has handed it to teardown.
/// </remarks>
public sealed class BrokerMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Mediator.Broker";

    private static readonly (QueueCounter Counter, string Reason)[] Refusals =
    [
        (QueueCounter.RefusedOffsetOutOfBounds, "offset_out_of_bounds"),
        (QueueCounter.RefusedLengthZero, "length_zero"),
        (QueueCounter.RefusedFrameTooShort, "frame_too_short"),
        (QueueCounter.RefusedFrameTooLong, "frame_too_long"),
        (QueueCounter.RefusedCrossesFrameBoundary, "crosses_frame_boundary"),
        (QueueCounter.RefusedReservedBitsSet, "reserved_bits_set"),
        (QueueCounter.RefusedFrameNotOwned, "frame_not_owned"),
        (QueueCounter.RefusedMisaligned, "misaligned"),
        (QueueCounter.RefusedSourceMacSpoofed, "source_mac_spoofed"),
        (QueueCounter.RefusedVlanViolation, "vlan_violation"),
        (QueueCounter.RefusedEthertypeNotAllowed, "ethertype_not_allowed"),
        (QueueCounter.RefusedRateLimited, "rate_limited"),
    ];

    private static readonly (QueueCounter Counter, string Reason)[] VhostRefusals =
    [
        (QueueCounter.VhostRefusedAvailIndexJump, "avail_index_jump"),
        (QueueCounter.VhostRefusedIndexOutOfRange, "index_out_of_range"),
        (QueueCounter.VhostRefusedChainLoop, "chain_loop"),
        (QueueCounter.VhostRefusedIndirect, "indirect"),
        (QueueCounter.VhostRefusedWrongDirection, "wrong_direction"),
        (QueueCounter.VhostRefusedOutsideMemory, "outside_memory"),
        (QueueCounter.VhostRefusedBadLength, "bad_length"),
    ];

    private readonly Dictionary<QueueSession, KeyValuePair<string, object?>[]> _queues = [];
    private readonly Lock _lock = new();
    private readonly bool _ownsMeter;
    private Func<long>? _deviceRxNoBuffer;

    /// <summary>Creates the instruments on a meter from <paramref name="factory"/>, or on a meter of its own.</summary>
    public BrokerMetrics(IMeterFactory? factory = null)
    {
        _ownsMeter = factory is null;
        Meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        Meter.CreateObservableCounter("mediator.tx.packets", () => Each(QueueCounter.TxSent), "{packet}", "Frames the device sent for the queue");
        Meter.CreateObservableCounter("mediator.tx.bytes", () => Each(QueueCounter.TxBytes), "By", "Bytes of the frames sent");
        Meter.CreateObservableCounter("mediator.rx.packets", () => Each(QueueCounter.RxDelivered), "{packet}", "Frames delivered on the queue's RX ring");
        Meter.CreateObservableCounter("mediator.rx.bytes", () => Each(QueueCounter.RxBytes), "By", "Bytes of the frames delivered");
        Meter.CreateObservableCounter("mediator.tx.refused", ObserveRefusals, "{request}", "TX requests refused, by reason (tag reason)");
        Meter.CreateObservableCounter("mediator.drops", ObserveDrops, "{packet}", "Requests or frames lost with a reason: cancelled by a close, fill entries refused, device RX without a buffer (broker-wide)");
        Meter.CreateObservableCounter("mediator.wakeups", () => Each(QueueCounter.Wakeups), "{wakeup}", "Kicks that woke the data path for the queue");
        Meter.CreateObservableCounter("mediator.notifications", () => Each(QueueCounter.Notifications), "{signal}", "Eventfd signals sent to the client");
        Meter.CreateObservableGauge("mediator.ring.occupancy", ObserveOccupancy, "{entry}", "Entries in each ring: tx and fill (waiting for the broker), completion and rx (waiting for the client), device_tx (frames at the device)");
        Meter.CreateObservableUpDownCounter("mediator.queues", () => Count, "{queue}", "Open client queues");
        Meter.CreateObservableCounter("mediator.vhost.packets", ObserveVhostPackets, "{packet}", "vhost-user ports: frames taken from the guest (direction from_guest) and copied into its buffers (to_guest)");
        Meter.CreateObservableCounter("mediator.vhost.refused", () => EachVhost(VhostRefusals), "{chain}", "vhost-user ports: descriptor chains or available indices refused, by reason (tag reason)");
    }

    /// <summary>The meter.</summary>
    public Meter Meter { get; }

    private int Count
    {
        get
        {
            lock (_lock)
            {
                return _queues.Count;
            }
        }
    }

    /// <summary>Adds a queue's series (control thread, when the queue opens).</summary>
    public void Register(QueueSession session, string app, string policy)
    {
        KeyValuePair<string, object?>[] tags =
        [
            new("client.id", (long)session.ClientId), new("queue.id", (long)session.QueueId), new("app", app), new("policy", policy),
        ];
        lock (_lock)
        {
            _queues[session] = tags;
        }
    }

    /// <summary>Ends a queue's series; after it returns no collection reads the queue (call before its teardown).</summary>
    public void Unregister(QueueSession session)
    {
        lock (_lock)
        {
            _queues.Remove(session);
        }
    }

    /// <summary>Reports the device's broker-wide RX drops (no armed buffer, unknown destination).</summary>
    public void SetDeviceRxDrops(Func<long> read) => _deviceRxNoBuffer = read;

    private List<Measurement<long>> Each(QueueCounter counter)
    {
        lock (_lock)
        {
            var list = new List<Measurement<long>>(_queues.Count);
            foreach (var (s, tags) in _queues)
            {
                list.Add(new(s.DataPathCounters.Read(counter) + s.RearmCounters.Read(counter), tags));
            }
            return list;
        }
    }

    private List<Measurement<long>> ObserveRefusals()
    {
        lock (_lock)
        {
            var list = new List<Measurement<long>>(_queues.Count * Refusals.Length);
            foreach (var (s, tags) in _queues)
            {
                foreach (var (counter, reason) in Refusals)
                {
                    long v = s.DataPathCounters.Read(counter) + s.RearmCounters.Read(counter);
                    list.Add(new(v, [.. tags, new("reason", reason)]));
                }
            }
            return list;
        }
    }

    private List<Measurement<long>> ObserveVhostPackets()
    {
        lock (_lock)
        {
            var list = new List<Measurement<long>>();
            foreach (var (s, tags) in _queues)
            {
                if (s.Front is not null)
                {
                    list.Add(new(s.DataPathCounters.Read(QueueCounter.VhostTxFrames), [.. tags, new("direction", "from_guest")]));
                    list.Add(new(s.DataPathCounters.Read(QueueCounter.VhostRxFrames), [.. tags, new("direction", "to_guest")]));
                }
            }
            return list;
        }
    }

    private List<Measurement<long>> EachVhost((QueueCounter Counter, string Reason)[] reasons)
    {
        lock (_lock)
        {
            var list = new List<Measurement<long>>();
            foreach (var (s, tags) in _queues)
            {
                if (s.Front is not null)
                {
                    foreach (var (counter, reason) in reasons)
                    {
                        list.Add(new(s.DataPathCounters.Read(counter), [.. tags, new("reason", reason)]));
                    }
                }
            }
            return list;
        }
    }

    private List<Measurement<long>> ObserveDrops()
    {
        lock (_lock)
        {
            var list = new List<Measurement<long>>(_queues.Count * 2 + 1);
            foreach (var (s, tags) in _queues)
            {
                list.Add(new(s.DataPathCounters.Read(QueueCounter.Cancelled), [.. tags, new("reason", "cancelled")]));
                list.Add(new(s.RearmCounters.Read(QueueCounter.FillRefused) + s.DataPathCounters.Read(QueueCounter.FillRefused),
                    [.. tags, new("reason", "fill_refused")]));
                if (s.Front is not null)
                {
                    list.Add(new(s.DataPathCounters.Read(QueueCounter.VhostRxNoGuestBuffer), [.. tags, new("reason", "rx_no_guest_buffer")]));
                }
            }
            if (_deviceRxNoBuffer is { } read)
            {
                list.Add(new(read(), [new("reason", "rx_no_buffer")]));
            }
            return list;
        }
    }

    private unsafe List<Measurement<long>> ObserveOccupancy()
    {
        lock (_lock)
        {
            var list = new List<Measurement<long>>(_queues.Count * 5);
            foreach (var (s, tags) in _queues)
            {
                byte* client = s.Memory.ClientArea.Pointer;
                byte* broker = s.Memory.BrokerArea.Pointer;
                var g = s.Geometry;
                // Indices the client writes are untrusted: clamp to the ring's size.
                list.Add(new(Used(client + QueueLayout.TxProducer, broker + QueueLayout.TxConsumer, g.TxSize), [.. tags, new("ring", "tx")]));
                list.Add(new(Used(client + QueueLayout.FillProducer, broker + QueueLayout.FillConsumer, g.FillSize), [.. tags, new("ring", "fill")]));
                list.Add(new(Used(broker + QueueLayout.CompletionProducer, client + QueueLayout.CompletionConsumer, g.CompletionSize), [.. tags, new("ring", "completion")]));
                list.Add(new(Used(broker + QueueLayout.RxProducer, client + QueueLayout.RxConsumer, g.RxSize), [.. tags, new("ring", "rx")]));
                list.Add(new(Math.Min((long)(uint)(Volatile.Read(ref s.TxPosted) - Volatile.Read(ref s.TxCleaned)), s.Driver.TxSize), [.. tags, new("ring", "device_tx")]));
            }
            return list;
        }
    }

    private static unsafe long Used(byte* producerLine, byte* consumerLine, uint size)
    {
        uint used = Volatile.Read(ref *(uint*)producerLine) - Volatile.Read(ref *(uint*)consumerLine);
        return Math.Min(used, size);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }
}
