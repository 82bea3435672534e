using Mediator.Abi;
using Mediator.Control;

namespace Mediator.Tests.Broker.Mediation;

/// <summary>Every request taken completes exactly once, accepted or refused, and the counters add up.</summary>
public sealed class ExactlyOnceTests : IDisposable
{
    private readonly MediationHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Mixed_valid_and_invalid_requests_each_complete_exactly_once()
    {
        var a = _h.A;
        var expected = new List<(ulong Offset, uint Length, RequestStatus Status)>();
        var rng = new Random(1234);
        uint nextFrame = 0;
        int valid = 0;
        // Several rounds, each a ring's worth, so completions wrap and frames recycle.
        for (int round = 0; round < 6; round++)
        {
            for (int i = 0; i < 16; i++)
            {
                (ulong offset, uint length, RequestStatus status) = (i % 4) switch
                {
                    0 => (a.FrameOffset(nextFrame++ % 64) + 16, 1400u, RequestStatus.Ok),
                    1 => (a.FrameOffset(nextFrame++ % 64), (uint)rng.Next(14, 1515), RequestStatus.Ok),
                    2 => (a.FrameOffset(3) + 2040, 20u, RequestStatus.CrossesFrameBoundary),
                    _ => ((ulong)rng.Next(0, 64 * 2048), 5u, RequestStatus.FrameTooShort),
                };
                if (status == RequestStatus.Ok)
                {
                    valid++;
                }
                a.SubmitTx(offset, length);
                expected.Add((offset, length, status));
            }
            _h.Pump();
            var got = a.DrainCompletions();
            Assert.Equal(16, got.Count);
            var want = expected.GetRange(expected.Count - 16, 16);
            // Refusals complete at intake, acceptances when the device is done: match as multisets.
            Assert.Equal(
                want.Select(e => (e.Offset, e.Length, (ushort)e.Status)).Order(),
                got.Select(c => (c.Offset, c.Length, c.Status)).Order());
        }

        long requests = a.DataPath(QueueCounter.TxRequests);
        Assert.Equal(96, requests);
        Assert.Equal(requests, a.DataPath(QueueCounter.TxAccepted) + a.DataPath(QueueCounter.TxRefused));
        Assert.Equal(valid, a.DataPath(QueueCounter.TxAccepted));
        Assert.Equal(a.DataPath(QueueCounter.TxAccepted), a.DataPath(QueueCounter.TxSent));
        Assert.Equal(valid, _h.DeviceTxFrames);
        Assert.Equal(a.Session.TxPosted, a.Session.TxCleaned);
        for (uint f = 0; f < 64; f++)
        {
            Assert.True(a.Session.Ownership.IsTxFree(f));
        }
    }

    [Fact]
    public void Tx_bytes_count_the_accepted_lengths()
    {
        var a = _h.A;
        a.SubmitTx(a.FrameOffset(0), 60);
        a.SubmitTx(a.FrameOffset(1), 1514);
        a.SubmitTx(a.FrameOffset(2), 0);
        _h.Pump();
        Assert.Equal(3, a.DrainCompletions().Count);
        Assert.Equal(2, a.DataPath(QueueCounter.TxSent));
        Assert.Equal(1574, a.DataPath(QueueCounter.TxBytes));
    }
}
