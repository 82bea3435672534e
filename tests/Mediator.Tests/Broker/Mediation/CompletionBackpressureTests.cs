using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>A client that does not reap stalls only itself: the broker stops taking requests, loses none.</summary>
public sealed class CompletionBackpressureTests : IDisposable
{
    private readonly MediationHarness _h = new(); // TX ring 16, completion ring 16

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Broker_stops_taking_requests_when_completion_room_runs_out_and_resumes_after_reaping()
    {
        var a = _h.A;
        for (uint f = 0; f < 16; f++)
        {
            a.SubmitTx(a.FrameOffset(f), 60);
        }
        _h.Pump();
        Assert.Equal(16u, a.CompletionsWaiting()); // ring full; the client does not reap

        // 16 more, refusals among them (a refusal needs a completion slot too).
        for (uint f = 16; f < 32; f++)
        {
            a.SubmitTx(a.FrameOffset(f), f % 4 == 0 ? 0u : 60u);
        }
        _h.Pump();
        Assert.Equal(16u, a.CompletionsWaiting());
        Assert.Equal(16, a.DataPath(QueueCounter.TxRequests));
        Assert.Equal(16u, a.Session.TxPosted);
        Assert.Equal(16u, a.Session.Completions.Producer);
        Assert.False(a.TrySubmitTx(a.FrameOffset(40), 60)); // all 16 still sit in the TX ring
        Assert.Equal(16, _h.DeviceTxFrames);

        var first = a.DrainCompletions();
        Assert.Equal(Enumerable.Range(0, 16).Select(f => (ulong)f * 2048), first.Select(c => c.Offset).Order());
        _h.Pump();
        var second = a.DrainCompletions();
        Assert.Equal(Enumerable.Range(16, 16).Select(f => (ulong)f * 2048), second.Select(c => c.Offset).Order());
        Assert.Equal(4, second.Count(c => c.Status == (ushort)RequestStatus.LengthZero));
        Assert.Equal(12, second.Count(c => c.Status == (ushort)RequestStatus.Ok));
        Assert.Equal(32, a.DataPath(QueueCounter.TxRequests));
        Assert.Equal(28, a.DataPath(QueueCounter.TxSent));
    }

    [Fact]
    public void Broker_takes_only_as_many_requests_as_completions_were_reaped()
    {
        var a = _h.A;
        for (uint f = 0; f < 16; f++)
        {
            a.SubmitTx(a.FrameOffset(f), 60);
        }
        _h.Pump();
        for (uint f = 16; f < 32; f++)
        {
            a.SubmitTx(a.FrameOffset(f), 60);
        }
        _h.Pump();

        uint n = a.Completions.Peek(5, out uint index);
        Assert.Equal(5u, n);
        a.Completions.Release(5);
        _h.Pump();
        Assert.Equal(21, a.DataPath(QueueCounter.TxRequests));
        Assert.Equal(16u, a.CompletionsWaiting());

        Assert.Equal(16, a.DrainCompletions().Count);
        _h.Pump();
        Assert.Equal(11, a.DrainCompletions().Count);
        Assert.Equal(32, a.DataPath(QueueCounter.TxSent));
    }

    [Fact]
    public void Requests_at_the_device_reserve_their_completion_slots()
    {
        var a = _h.A;
        for (uint f = 0; f < 10; f++)
        {
            a.SubmitTx(a.FrameOffset(f), 60);
        }
        _h.Pump();
        Assert.Equal(10u, a.CompletionsWaiting());

        // 6 slots left: 6 valid requests go to the device, and 6 refusals behind them must wait,
        // because the in-flight six will need those slots when they complete.
        for (uint f = 10; f < 16; f++)
        {
            a.SubmitTx(a.FrameOffset(f), 60);
        }
        for (int i = 0; i < 6; i++)
        {
            a.SubmitTx(0, 0);
        }
        Mediator.Broker.Mediation.TxPath.Run(a.Session, MediationHarness.Budget);
        Assert.Equal(16, a.DataPath(QueueCounter.TxRequests)); // 10 earlier + 6 now
        Assert.Equal(6u, a.Session.TxPosted - a.Session.TxCleaned);
        Assert.Equal(10u, a.Session.Completions.Producer);
        _h.Pump();
        Assert.Equal(16u, a.CompletionsWaiting());
        Assert.Equal(16, a.DataPath(QueueCounter.TxRequests));
        Assert.Equal(16, a.DrainCompletions().Count);
        _h.Pump();
        Assert.Equal(6, a.DrainCompletions().Count(c => c.Status == (ushort)RequestStatus.LengthZero));
        Assert.Equal(22, a.DataPath(QueueCounter.TxRequests));
    }
}
