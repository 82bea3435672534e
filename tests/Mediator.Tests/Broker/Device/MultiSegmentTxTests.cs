using Mediator.Broker.Device;
using Mediator.Nic;

namespace Mediator.Tests.Broker.Device;

/// <summary>TX frames that span several descriptors: gathered up to EOP, DD on the RS descriptor, a frame without its EOP waits.</summary>
public sealed class MultiSegmentTxTests : IDisposable
{
    private const long T0 = 1_000_000_000;
    private readonly DeviceModel _model = new(new DeviceModelOptions { BusWindowBytes = 1UL << 28 });
    private readonly NicPort _port;

    public MultiSegmentTxTests()
    {
        _port = _model.AddPort(new NicPortOptions { QueueCount = 2 });
        _model.AddLoopback(_port);
    }

    public void Dispose() => _model.Dispose();

    [Fact]
    public unsafe void Three_buffers_become_one_frame_and_a_frame_without_EOP_waits_for_it()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx().EnableRx().SteerMac(0, Frames.MacA);
        var frame = Frames.Make(Frames.MacA, 300);
        // Put the frame's three pieces into TX buffers 0..2, then post them one at a time.
        int[] cuts = [0, 18, 100, 300];
        for (uint i = 0; i < 3; i++)
        {
            var piece = frame.AsSpan(cuts[i], cuts[i + 1] - cuts[i]);
            var host = _model.Bus.TryTranslate(q0.TxBuffer(i), (uint)piece.Length, out byte* p, out _) ? p : throw new InvalidOperationException();
            piece.CopyTo(new Span<byte>(host, piece.Length));
        }
        q0.Post(TxDescriptor.ForSegment(q0.TxBuffer(0), 18, 300, last: false));
        q0.Post(TxDescriptor.ForSegment(q0.TxBuffer(1), 82, 0, last: false));
        _model.Step(64, T0);
        Assert.Equal(0, _port.Statistics.TxFrames); // no EOP yet: the device waits

        q0.Post(TxDescriptor.ForSegment(q0.TxBuffer(2), 200, 0, last: true));
        _model.Step(64, T0 + 1);

        Assert.Equal(1, _port.Statistics.TxFrames);
        Assert.False(q0.TxDone(0));
        Assert.False(q0.TxDone(1));
        Assert.True(q0.TxDone(2)); // only the RS descriptor is written back
        Assert.Equal(frame, Assert.Single(q0.ReceiveAll()));
    }

    [Fact]
    public void A_run_of_more_than_eight_buffers_without_EOP_is_dropped_as_malformed()
    {
        using var q0 = new TestDriver(_model, _port, 0).EnableTx();
        for (int i = 0; i < TxQueue.MaxSegments; i++)
        {
            q0.Post(TxDescriptor.ForSegment(q0.TxBuffer((uint)i), 64, 0, last: false));
        }
        _model.Step(64, T0);

        Assert.Equal(1, _port.Statistics.TxMalformed);
        Assert.Equal(0, _port.Statistics.TxFrames);
        Assert.Equal((uint)TxQueue.MaxSegments, _port.ReadRegister(Registers.TDH(0)));
    }
}
