using System.Diagnostics.Metrics;
using Mediator.Broker.Hosting;
using Mediator.Broker.Mediation;
using Mediator.Broker.Vhost;
using Mediator.Control;
using Mediator.Policies;
using Mediator.Tests.Policies;

namespace Mediator.Tests.Broker.Hosting;

/// <summary>The vhost-user instruments appear for a vhost-user port's queue, and only for it.</summary>
public sealed class VhostMetricsTests
{
    [Fact]
    public void A_vhost_port_reports_frames_by_direction_refusals_by_reason_and_guest_drops()
    {
        using var metrics = new BrokerMetrics();
        using var port = new PolicyHarness(new ClientPolicy { Name = "vm" });
        using var library = new PolicyHarness(new ClientPolicy { Name = "lib" });
        using var sessions = new SessionSet(s => s.Events.TxKick);
        port.Session.Front = new VhostPort(port.Session, sessions, 64);
        metrics.Register(port.Session, "vhost:/tmp/vh.sock", "vm");
        metrics.Register(library.Session, "lib", "lib");
        var c = port.Session.DataPathCounters;
        c.Add(QueueCounter.VhostTxFrames, 7);
        c.Add(QueueCounter.VhostRxFrames, 5);
        c.Add(QueueCounter.VhostRxNoGuestBuffer, 2);
        c.Add(QueueCounter.VhostRefusedChainLoop, 3);

        var samples = new List<(string Name, long Value, Dictionary<string, object?> Tags)>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (i, l) =>
            {
                if (ReferenceEquals(i.Meter, metrics.Meter))
                {
                    l.EnableMeasurementEvents(i);
                }
            };
            listener.SetMeasurementEventCallback<long>((i, v, tags, _) => samples.Add((i.Name, v, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
            listener.Start();
            listener.RecordObservableInstruments();
        }

        long Value(string name, string tag, string value) => samples.Single(s => s.Name == name && Equals(s.Tags[tag], value)).Value;
        Assert.Equal(7, Value("mediator.vhost.packets", "direction", "from_guest"));
        Assert.Equal(5, Value("mediator.vhost.packets", "direction", "to_guest"));
        Assert.Equal(3, Value("mediator.vhost.refused", "reason", "chain_loop"));
        Assert.Equal(2, Value("mediator.drops", "reason", "rx_no_guest_buffer"));
        Assert.All(samples.Where(s => s.Name.StartsWith("mediator.vhost.", StringComparison.Ordinal)), s => Assert.Equal("vhost:/tmp/vh.sock", s.Tags["app"]));
    }
}
