namespace Mediator.Broker.Device;

/// <summary>
/// Records which region every DMA access touched: the oracle of the security evaluation. Each queue
/// carries an owner tag; an access made for queue q that touches a region whose owner differs and
/// whose kind is neither <see cref="RegionKind.DeviceRing"/> nor <see cref="RegionKind.InterruptPage"/>
/// is a <em>violation</em>. In Mediated mode the violation count must stay 0.
/// </summary>
/// <remarks>
/// The DMA engine is single-threaded, so counters are incremented plainly; observers read them with
/// Volatile.Read and may see a value a few accesses old. The detailed log is off by default (it costs
/// a store per access); <see cref="SnapshotLog"/> is exact only when the engine is quiescent (inline
/// mode between steps, or after <see cref="DeviceModel.Stop"/>): a record written concurrently may tear.
/// </remarks>
public sealed class DmaAudit
{
    /// <summary>Queue id for accesses made on behalf of no queue (never a violation).</summary>
    public const int NoQueue = -1;
    /// <summary>Owner tag of broker-owned memory and of queues nobody claimed.</summary>
    public const int BrokerOwner = -1;

    private readonly BusAddressSpace _bus;
    private readonly int[] _queueOwners;
    private long _reads;
    private long _writes;
    private long _faults;
    private long _violations;
    private readonly long[] _queueReadViolations;
    private readonly long[] _queueWriteViolations;
    private DmaRecord[]? _log;
    private long _logged;

    /// <summary>Creates an audit of <paramref name="bus"/> for <paramref name="queueCount"/> audit queue ids.</summary>
    public DmaAudit(BusAddressSpace bus, int queueCount)
    {
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queueCount);
        _bus = bus;
        _queueOwners = new int[queueCount];
        _queueReadViolations = new long[queueCount];
        _queueWriteViolations = new long[queueCount];
        Array.Fill(_queueOwners, BrokerOwner);
    }

    /// <summary>Audit queue id of queue <paramref name="queue"/> of port <paramref name="portIndex"/>.</summary>
    public static int QueueId(int portIndex, int queue) => portIndex * Nic.Registers.MaxQueues + queue;

    /// <summary>Translated read accesses so far.</summary>
    public long Reads => Volatile.Read(ref _reads);
    /// <summary>Translated write accesses so far.</summary>
    public long Writes => Volatile.Read(ref _writes);
    /// <summary>Accesses to addresses that did not translate.</summary>
    public long Faults => Volatile.Read(ref _faults);
    /// <summary>Accesses that broke the owner rule.</summary>
    public long Violations => Volatile.Read(ref _violations);

    /// <summary>Violations that were device reads (a leak: the device read memory the queue's client does not own).</summary>
    public long ReadViolations
    {
        get
        {
            long sum = 0;
            for (int q = 0; q < _queueReadViolations.Length; q++)
            {
                sum += Volatile.Read(ref _queueReadViolations[q]);
            }
            return sum;
        }
    }

    /// <summary>Violations that were device writes, MSI-X messages included (corruption).</summary>
    public long WriteViolations
    {
        get
        {
            long sum = 0;
            for (int q = 0; q < _queueWriteViolations.Length; q++)
            {
                sum += Volatile.Read(ref _queueWriteViolations[q]);
            }
            return sum;
        }
    }

    /// <summary>Violations made on behalf of audit queue <paramref name="queue"/> with direction <paramref name="op"/>.</summary>
    public long ViolationsOf(int queue, DmaOp op)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(queue, _queueOwners.Length);
        return Volatile.Read(ref (op == DmaOp.Read ? _queueReadViolations : _queueWriteViolations)[queue]);
    }

    /// <summary>Says that DMA for audit queue <paramref name="queue"/> is done on behalf of <paramref name="ownerTag"/>.</summary>
    public void SetQueueOwner(int queue, int ownerTag)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(queue, _queueOwners.Length);
        Volatile.Write(ref _queueOwners[queue], ownerTag); // release: pairs with the acquire in OnAccess
    }

    /// <summary>The owner tag of audit queue <paramref name="queue"/>.</summary>
    public int GetQueueOwner(int queue) => Volatile.Read(ref _queueOwners[queue]);

    /// <summary>Starts logging accesses into a ring of the last <paramref name="capacity"/> records.</summary>
    public void EnableLog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Volatile.Write(ref _logged, 0);
        Volatile.Write(ref _log, new DmaRecord[capacity]); // release: the engine acquires the array in OnAccess
    }

    /// <summary>Stops logging.</summary>
    public void DisableLog() => Volatile.Write(ref _log, null);

    /// <summary>The logged records, oldest first (at most the log's capacity).</summary>
    public DmaRecord[] SnapshotLog()
    {
        DmaRecord[]? log = Volatile.Read(ref _log);
        if (log == null)
        {
            return [];
        }
        long logged = Volatile.Read(ref _logged);
        int n = (int)Math.Min(logged, log.Length);
        var result = new DmaRecord[n];
        for (int i = 0; i < n; i++)
        {
            result[i] = log[(logged - n + i) % log.Length];
        }
        return result;
    }

    /// <summary>Totals and per-region counters.</summary>
    public DmaAuditSnapshot Snapshot()
    {
        BusRegion[] regions = _bus.SnapshotRegions();
        var stats = new RegionDmaStats[regions.Length];
        for (int i = 0; i < regions.Length; i++)
        {
            stats[i] = Stats(regions[i]);
        }
        return new DmaAuditSnapshot(Reads, Writes, Faults, Violations, stats);
    }

    /// <summary>The counters of one region.</summary>
    public static RegionDmaStats Stats(BusRegion r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new RegionDmaStats(r.Id, r.Name, r.Kind, r.OwnerTag, r.BusAddress, r.Length, r.IsMapped,
            Volatile.Read(ref r.Reads), Volatile.Read(ref r.Writes), Volatile.Read(ref r.BytesRead),
            Volatile.Read(ref r.BytesWritten), Volatile.Read(ref r.Violations));
    }

    /// <summary>Whether the detailed log is on (then every access must reach <see cref="OnAccess"/> one by one).</summary>
    internal bool Logging => Volatile.Read(ref _log) != null; // acquire: pairs with the release in EnableLog

    /// <summary>
    /// Records <paramref name="count"/> translated accesses of one direction, made for one queue, that all
    /// touched <paramref name="region"/> (<paramref name="bytes"/> in all): the same counters as that many
    /// <see cref="OnAccess"/> calls, violations included, in one update. Only while the log is off.
    /// </summary>
    internal void OnAccesses(int queue, DmaOp op, BusRegion region, long count, long bytes)
    {
        if (op == DmaOp.Read)
        {
            _reads += count;
            region.Reads += count;
            region.BytesRead += bytes;
        }
        else
        {
            _writes += count;
            region.Writes += count;
            region.BytesWritten += bytes;
        }
        if (IsViolation(queue, region))
        {
            _violations += count;
            region.Violations += count;
            if (op == DmaOp.Read)
            {
                _queueReadViolations[queue] += count;
            }
            else
            {
                _queueWriteViolations[queue] += count;
            }
        }
    }

    // The owner rule: an access for queue q to a region another client owns, unless it is a ring or the interrupt page.
    private bool IsViolation(int queue, BusRegion region) =>
        // Acquire: pairs with the release in SetQueueOwner.
        queue >= 0 && region.Kind != RegionKind.DeviceRing && region.Kind != RegionKind.InterruptPage
        && region.OwnerTag != Volatile.Read(ref _queueOwners[queue]);

    /// <summary>Called by the DMA engine for every access; <paramref name="region"/> null means a fault.</summary>
    internal void OnAccess(int queue, DmaOp op, ulong bus, uint length, BusRegion? region)
    {
        bool violation = false;
        if (region == null)
        {
            _faults++;
        }
        else
        {
            if (op == DmaOp.Read)
            {
                _reads++;
                region.Reads++;
                region.BytesRead += length;
            }
            else
            {
                _writes++;
                region.Writes++;
                region.BytesWritten += length;
            }
            if (IsViolation(queue, region))
            {
                violation = true;
                _violations++;
                region.Violations++;
                if (op == DmaOp.Read)
                {
                    _queueReadViolations[queue]++;
                }
                else
                {
                    _queueWriteViolations[queue]++;
                }
            }
        }
        DmaRecord[]? log = Volatile.Read(ref _log); // acquire: pairs with the release in EnableLog
        if (log != null)
        {
            long seq = _logged;
            log[seq % log.Length] = new DmaRecord(seq, queue, op, bus, length, region?.Id ?? 0, region?.Kind ?? RegionKind.Other, violation);
            Volatile.Write(ref _logged, seq + 1); // release: the record is written before it is counted
        }
    }
}
