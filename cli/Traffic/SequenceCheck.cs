namespace Mediator.Cli.Traffic;

/// <summary>
/// What a sink does with each received frame: check it is an intact <see cref="TestFrame"/> and that
/// each generator's sequence numbers only go up (counting gaps), or, when not verifying, only count it
/// (as testpmd's rxonly does: for traffic that is not pktgen's, such as the device's generator wire).
/// </summary>
internal sealed class SequenceCheck(bool verify = true)
{
    private readonly Dictionary<uint, ulong> _last = [];
    private long _verified, _corrupt, _outOfOrder, _gaps;

    /// <summary>Frames received intact by the device (status 0), verified or not.</summary>
    public long Received { get; private set; }

    /// <summary>Frames that failed verification so far.</summary>
    public long Corrupt => _corrupt;

    /// <summary>Frames that arrived with a sequence number not above their generator's last one.</summary>
    public long OutOfOrder => _outOfOrder;

    /// <summary>Takes one received frame; <paramref name="ok"/> false (a device error status) counts nothing.</summary>
    public void Add(ReadOnlySpan<byte> frame, bool ok)
    {
        if (!ok)
        {
            return;
        }
        Received++;
        if (!verify)
        {
            return;
        }
        if (!TestFrame.TryVerify(frame, out uint generator, out ulong sequence))
        {
            _corrupt++;
            return;
        }
        _verified++;
        if (_last.TryGetValue(generator, out ulong previous))
        {
            if (sequence <= previous)
            {
                _outOfOrder++;
            }
            else if (sequence != previous + 1)
            {
                _gaps += (long)(sequence - previous - 1);
            }
        }
        else if (sequence != 0)
        {
            _gaps += (long)sequence;
        }
        _last[generator] = sequence;
    }

    /// <summary>The sink's REPORT over <paramref name="seconds"/>.</summary>
    public RunReport Report(double seconds, string mac) => new()
    {
        Role = "sink", Received = Received, Verified = _verified, Corrupt = _corrupt, OutOfOrder = _outOfOrder, Gaps = _gaps,
        Seconds = seconds, Mpps = Received / seconds / 1e6, Mac = mac, LastSequence = _last.Count == 0 ? -1 : (long)_last.Values.Max(),
    };
}
