using System.Diagnostics.Metrics;
using Mediator.Broker.Hosting;
using Mediator.Policies;

namespace Mediator.Tests.Policies;

/// <summary>The Mediator.Broker instruments, read with a MeterListener as dotnet-counters would.</summary>
public sealed class BrokerMetricsTests
{
    private sealed record Sample(string Instrument, long Value, Dictionary<string, object?> Tags);

    private static List<Sample> Collect(BrokerMetrics metrics)
    {
        var samples = new List<Sample>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            samples.Add(new Sample(instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
            samples.Add(new Sample(instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.Start();
        listener.RecordObservableInstruments();
        return samples;
    }

    private static long Value(List<Sample> samples, string instrument, string? tag = null, string? value = null) =>
        samples.Single(s => s.Instrument == instrument && (tag is null || Equals(s.Tags[tag], value))).Value;

    [Fact]
    public void Instruments_report_packets_bytes_refusals_by_reason_and_ring_occupancy_per_queue()
    {
        using var metrics = new BrokerMetrics();
        Assert.Equal("Mediator.Broker", metrics.Meter.Name);
        using var h = new PolicyHarness(new ClientPolicy { Name = "web" });
        metrics.Register(h.Session, "shop", "web");

        h.Send(TestFrames.Make(h.Mac, length: 100), TestFrames.Make(TestFrames.Spoofed), TestFrames.Make(h.Mac, length: 60));
        h.Submit(TestFrames.Make(h.Mac), 5); // waiting in the TX ring: the broker has not taken it
        var samples = Collect(metrics);

        Assert.Equal(2, Value(samples, "mediator.tx.packets"));
        Assert.Equal(160, Value(samples, "mediator.tx.bytes"));
        Assert.Equal(1, Value(samples, "mediator.tx.refused", "reason", "source_mac_spoofed"));
        Assert.Equal(0, Value(samples, "mediator.tx.refused", "reason", "rate_limited"));
        Assert.Equal(1, Value(samples, "mediator.ring.occupancy", "ring", "tx"));
        Assert.Equal(0, Value(samples, "mediator.ring.occupancy", "ring", "completion")); // the harness reaped them
        Assert.Equal(0, Value(samples, "mediator.drops", "reason", "cancelled"));
        Assert.Equal(1, Value(samples, "mediator.queues"));
        var tags = samples.First(s => s.Instrument == "mediator.tx.packets").Tags;
        Assert.Equal(1L, tags["client.id"]);
        Assert.Equal((long)h.Session.QueueId, tags["queue.id"]);
        Assert.Equal("shop", tags["app"]);
        Assert.Equal("web", tags["policy"]);

        metrics.Unregister(h.Session);
        samples = Collect(metrics);
        Assert.DoesNotContain(samples, s => s.Instrument == "mediator.tx.packets");
        Assert.Equal(0, Value(samples, "mediator.queues"));
    }
}
