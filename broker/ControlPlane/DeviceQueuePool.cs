namespace Mediator.Broker.ControlPlane;

/// <summary>The device queue pairs not serving any client queue (control thread only).</summary>
internal sealed class DeviceQueuePool
{
    private readonly SortedSet<int> _free;

    public DeviceQueuePool(int count) => _free = [.. Enumerable.Range(0, count)];

    /// <summary>Free queue pairs.</summary>
    public int Available => _free.Count;

    /// <summary>Takes the lowest free queue pair, or returns false when all are in use.</summary>
    public bool TryRent(out int queue)
    {
        if (_free.Count == 0)
        {
            queue = -1;
            return false;
        }
        queue = _free.Min;
        _free.Remove(queue);
        return true;
    }

    /// <summary>Gives a queue pair back once its teardown finished.</summary>
    public void Return(int queue) => _free.Add(queue);
}
