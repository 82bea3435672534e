using Mediator.Control;

namespace Mediator.Client;

/// <summary>
/// A snapshot of the broker's counters for one queue, or summed over the whole broker. Counters an
/// older broker does not send read as zero (the wire list only ever grows at the end).
/// </summary>
public sealed class QueueStatistics
{
    private readonly ulong[] _counters;

    internal QueueStatistics(uint queueId, ulong[] counters)
    {
        QueueId = queueId;
        _counters = counters;
    }

    /// <summary>The queue the counters describe, or <see cref="StatsRequest.AllQueues"/>.</summary>
    public uint QueueId { get; }

    /// <summary>True when the counters are the broker-wide sum.</summary>
    public bool IsBrokerWide => QueueId == StatsRequest.AllQueues;

    /// <summary>How many counters the broker sent.</summary>
    public int Count => _counters.Length;

    /// <summary>One counter; zero when the broker did not send it.</summary>
    public ulong this[QueueCounter counter] => (uint)counter < (uint)_counters.Length ? _counters[(int)counter] : 0;

    /// <summary>The raw counters in wire order (a copy).</summary>
    public ulong[] ToArray() => (ulong[])_counters.Clone();

    /// <inheritdoc />
    public override string ToString() =>
        $"queue {(IsBrokerWide ? "all" : QueueId.ToString())}: tx {this[QueueCounter.TxSent]}/{this[QueueCounter.TxRequests]}, refused {this[QueueCounter.TxRefused]}, rx {this[QueueCounter.RxDelivered]}";
}
