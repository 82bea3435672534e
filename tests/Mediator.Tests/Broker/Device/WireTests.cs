using System.Diagnostics;
using Mediator.Broker.Device;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Device;

public sealed class WireTests : IDisposable
{
    private const long T0 = 1_000_000_000;
    private readonly DeviceModel _model = new(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });

    public void Dispose() => _model.Dispose();

    [Fact]
    public void Crossover_CarriesFramesBothWays()
    {
        NicPort a = _model.AddPort(new NicPortOptions { QueueCount = 1 });
        NicPort b = _model.AddPort(new NicPortOptions { QueueCount = 1 });
        _model.AddCrossover(a, b);
        using var qa = new TestDriver(_model, a, 0).EnableTx().EnableRx().SteerMac(0, Frames.MacA);
        using var qb = new TestDriver(_model, b, 0).EnableTx().EnableRx().SteerMac(0, Frames.MacB);
        byte[] toB = Frames.Make(Frames.MacB, 300, 1);
        byte[] toA = Frames.Make(Frames.MacA, 400, 2);
        qa.Send(toB);
        qb.Send(toA);

        _model.Step(64, T0);

        Assert.Equal(toB, Assert.Single(qb.ReceiveAll()));
        Assert.Equal(toA, Assert.Single(qa.ReceiveAll()));
        Assert.Empty(qa.ReceiveAll());
    }

    [Fact]
    public void NullSink_CountsAndDrops()
    {
        NicPort p = _model.AddPort();
        NullSink sink = _model.AddNullSink(p);
        using var q = new TestDriver(_model, p, 0).EnableTx();
        q.Send(Frames.Make(Frames.MacA, 100));
        q.Send(Frames.Make(Frames.MacA, 200));

        _model.Step(64, T0);

        Assert.Equal(2, sink.Frames);
        Assert.Equal(300, sink.Bytes);
        Assert.Equal(2, q.ReapTx());
    }

    [Fact]
    public void Generator_ProducesSequencedFramesIntoTheSteeredQueue()
    {
        NicPort p = _model.AddPort(new NicPortOptions { QueueCount = 2 });
        TrafficGenerator gen = _model.AddGenerator(p, new TrafficGeneratorOptions { DestinationMac = Frames.MacB, FrameSize = 128, FrameLimit = 10 });
        using var q1 = new TestDriver(_model, p, 1).EnableRx().SteerMac(0, Frames.MacB);

        int work = _model.Step(4, T0);
        Assert.Equal(4, work);
        _model.Step(64, T0 + 1);
        _model.Step(64, T0 + 2);

        List<byte[]> got = q1.ReceiveAll();
        Assert.Equal(10, got.Count);
        Assert.Equal(10, gen.Generated);
        Assert.Equal(10, gen.Delivered);
        for (int i = 0; i < got.Count; i++)
        {
            Assert.Equal(128, got[i].Length);
            Assert.Equal((ulong)i, TrafficGenerator.ReadSequence(got[i]));
            Assert.Equal(Frames.MacB, MacAddress.Read(got[i]));
        }
    }

    [Fact]
    public void Generator_AtAConfiguredRate_ProducesFramesInProportionToTime()
    {
        NicPort p = _model.AddPort();
        TrafficGenerator gen = _model.AddGenerator(p, new TrafficGeneratorOptions { FramesPerSecond = 1000 });
        using var q0 = new TestDriver(_model, p, 0, ringSize: 128).EnableRx();
        long ms = Stopwatch.Frequency / 1000;

        _model.Step(64, T0); // baseline
        _model.Step(64, T0 + 10 * ms);
        _model.Step(64, T0 + 30 * ms);

        Assert.Equal(30, gen.Generated);
        Assert.Equal(30, q0.ReceiveAll().Count); // broadcast → queue 0
    }

    [Fact]
    public void LineRatePacing_LimitsTxToTheWireRate()
    {
        // 1538 bytes on the wire per 1514-byte frame: at 12.304 Mbit/s that is 1000 frames/s.
        NicPort p = _model.AddPort(new NicPortOptions { LineRateBitsPerSecond = 12_304_000 });
        NullSink sink = _model.AddNullSink(p);
        using var q = new TestDriver(_model, p, 0, ringSize: 512).EnableTx();
        for (int i = 0; i < 200; i++)
        {
            q.Send(Frames.Make(Frames.MacA, 1514, i));
        }
        long ms = Stopwatch.Frequency / 1000;

        _model.Step(512, T0);
        long burst = sink.Frames; // the bucket starts full: 64 standard frames
        _model.Step(512, T0 + 1 * ms);
        _model.Step(512, T0 + 50 * ms);

        Assert.Equal(64, burst);
        Assert.InRange(sink.Frames - burst, 49, 51);
        Assert.True(p.Statistics.PacingStalls > 0);
        Assert.Equal((uint)sink.Frames, p.ReadRegister(Registers.TDH(0)));
    }

    [Fact]
    public void ThreadMode_MovesFramesWithoutInlineStepping()
    {
        NicPort p = _model.AddPort();
        _model.AddLoopback(p);
        using var q = new TestDriver(_model, p, 0).EnableTx().EnableRx().SteerMac(0, Frames.MacA);
        _model.Start();
        try
        {
            Assert.Throws<InvalidOperationException>(() => _model.Step(1));
            q.Send(Frames.Make(Frames.MacA, 64));
            var deadline = Stopwatch.StartNew();
            var got = new List<byte[]>();
            while (got.Count == 0 && deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                got.AddRange(q.ReceiveAll());
                Thread.Yield();
            }
            Assert.Single(got);
        }
        finally
        {
            _model.Stop();
        }
    }
}
