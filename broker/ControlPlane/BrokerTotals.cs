using Mediator.Control;

namespace Mediator.Broker.ControlPlane;

/// <summary>Counters of queues that have closed, so broker-wide stats never go backwards.</summary>
internal sealed class BrokerTotals
{
    private readonly ulong[] _closed = new ulong[(int)QueueCounter.Count];

    /// <summary>Adds a closed queue's final counters.</summary>
    public void AddClosed(ReadOnlySpan<ulong> counters)
    {
        for (int i = 0; i < _closed.Length; i++)
        {
            _closed[i] += counters[i];
        }
    }

    /// <summary>Adds the closed queues' counters into <paramref name="sum"/>.</summary>
    public void AddTo(Span<ulong> sum)
    {
        for (int i = 0; i < _closed.Length; i++)
        {
            sum[i] += _closed[i];
        }
    }
}
