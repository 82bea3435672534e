using Mediator.Abi;
using Mediator.Control;
using Mediator.Native;
using Mediator.Rings;

namespace Mediator.Broker.Mediation;

/// <summary>
/// Everything the broker keeps for one client queue: the client's shared memory and rings (seen from
/// the broker's side), the private bookkeeping the client cannot touch, and the device queue pair that
/// serves it. Built by <see cref="QueueFactory"/>; served by the data path (<see cref="TxPath"/>,
/// <see cref="RxPath"/>) and the re-arm worker (<see cref="RxRearm"/>); torn down by
/// <see cref="QueueTeardown"/>.
/// </summary>
public sealed unsafe class QueueSession
{
    internal QueueSession(
        uint clientId, uint queueId, QueueGeometry geometry, QueueLayout layout, int maxFrameLength,
        QueueMemory memory, QueueDriver driver, QueueEventFds events, ClientMode mode = ClientMode.Mediated)
    {
        Mode = mode;
        ClientId = clientId;
        QueueId = queueId;
        Geometry = geometry;
        Layout = layout;
        Memory = memory;
        Driver = driver;
        Events = events;
        UmemSize = geometry.UmemSize;
        FrameMask = geometry.FrameSize - 1;
        FrameShift = geometry.FrameShift;
        MaxFrameLength = (uint)maxFrameLength;
        Ownership = new FrameOwnership(geometry.FrameCount);

        byte* client = memory.ClientArea.Pointer;
        byte* broker = memory.BrokerArea.Pointer;
        TxRequests = new RingConsumer<TxRequest>(client + QueueLayout.TxProducer, broker + QueueLayout.TxConsumer, client + QueueLayout.TxEntries, geometry.TxSize);
        Fill = new RingConsumer<FillEntry>(client + QueueLayout.FillProducer, broker + QueueLayout.FillConsumer, client + layout.FillEntries, geometry.FillSize);
        Completions = new RingProducer<Completion>(broker + QueueLayout.CompletionProducer, client + QueueLayout.CompletionConsumer, broker + QueueLayout.CompletionEntries, geometry.CompletionSize);
        Rx = new RingProducer<Completion>(broker + QueueLayout.RxProducer, client + QueueLayout.RxConsumer, broker + layout.RxEntries, geometry.RxSize);

        // Fill refusals travel from the re-arm worker to the data path (the RX ring's only producer)
        // over a private ring of the same kind; the client never sees this memory.
        FillRefusalMemory = MappedMemory.Private($"mediator-fill-refusals-c{clientId}q{queueId}", 2 * IndexLine.Size + (long)geometry.FillSize * Completion.Size);
        byte* p = FillRefusalMemory.Pointer;
        FillRefusalsOut = new RingProducer<Completion>(p, p + IndexLine.Size, p + 2 * IndexLine.Size, geometry.FillSize);
        FillRefusalsIn = new RingConsumer<Completion>(p, p + IndexLine.Size, p + 2 * IndexLine.Size, geometry.FillSize);

        TxShadow = new TxRequest[driver.TxSize];
        TxSegments = new byte[driver.TxSize];
        RxShadow = new ulong[driver.RxSize];
        TxBatch = new TxRequest[Math.Min(TxPath.MaxBatch, driver.TxSize)];
        TxBatchStatus = new RequestStatus[TxBatch.Length];
        FillBatch = new FillEntry[Math.Min(RxRearm.MaxBatch, driver.RxSize)];
        FillBatchStatus = new RequestStatus[FillBatch.Length];
    }

    /// <summary>
    /// How the client reaches the device through this queue. Mediated: the broker runs TX intake and reap,
    /// RX re-arm and delivery. TxDirect: the client writes the device TX ring and its doorbell page itself,
    /// so the broker neither takes TX requests nor reaps the device TX ring (<see cref="BrokerDrivesTx"/>);
    /// RX stays mediated. DirectMap: the client drives the whole queue pair; the broker only steps the
    /// device (and tears the queue down).
    /// </summary>
    public ClientMode Mode { get; }

    /// <summary>
    /// Whether completion entries are written with streaming stores (<see cref="CompletionStore"/>): true when
    /// the client reads them on another core; false for a client inside the broker (a vhost-user port).
    /// </summary>
    public bool StreamCompletions { get; init; } = true;

    /// <summary>Whether the broker takes TX requests and reaps the device TX ring (Mediated only).</summary>
    public bool BrokerDrivesTx => Mode == ClientMode.Mediated;

    /// <summary>Whether the broker re-arms the device RX ring and delivers RX (not in DirectMap).</summary>
    public bool BrokerDrivesRx => Mode != ClientMode.DirectMap;

    /// <summary>The broker's id of the client connection.</summary>
    public uint ClientId { get; }

    /// <summary>The queue's id on its connection.</summary>
    public uint QueueId { get; }

    /// <summary>Sizes granted.</summary>
    public QueueGeometry Geometry { get; }

    /// <summary>Where the rings lie in the two areas.</summary>
    public QueueLayout Layout { get; }

    /// <summary>The client's UMEM and areas as the broker maps them.</summary>
    internal QueueMemory Memory { get; }

    /// <summary>The device queue pair.</summary>
    internal QueueDriver Driver { get; }

    /// <summary>The queue's four eventfds.</summary>
    internal QueueEventFds Events { get; }

    /// <summary>Bytes of UMEM.</summary>
    public ulong UmemSize { get; }

    /// <summary>Frame size − 1.</summary>
    public uint FrameMask { get; }

    /// <summary>log2(frame size).</summary>
    public int FrameShift { get; }

    /// <summary>Longest frame the client may send.</summary>
    public uint MaxFrameLength { get; }

    /// <summary>Which frames are the client's (private).</summary>
    internal FrameOwnership Ownership { get; }

    // --- client rings, broker side ---
    internal RingConsumer<TxRequest> TxRequests { get; }
    internal RingConsumer<FillEntry> Fill { get; }
    internal RingProducer<Completion> Completions { get; }
    internal RingProducer<Completion> Rx { get; }

    // --- private state of the data path ---
    internal MappedMemory FillRefusalMemory { get; }
    internal RingProducer<Completion> FillRefusalsOut { get; }
    internal RingConsumer<Completion> FillRefusalsIn { get; }
    internal TxRequest[] TxShadow { get; }
    internal ulong[] RxShadow { get; }
    // Private copies of one batch. A batch never exceeds the device ring's free slots (size − 1),
    // so these are sized by the rings, not by the global batch limits.
    internal TxRequest[] TxBatch { get; }
    internal RequestStatus[] TxBatchStatus { get; }
    internal FillEntry[] FillBatch { get; }
    internal RequestStatus[] FillBatchStatus { get; }

    /// <summary>TX frames posted to the device (free-running; data path).</summary>
    internal uint TxPosted;
    /// <summary>TX frames reaped (free-running; data path).</summary>
    internal uint TxCleaned;
    /// <summary>Device TX descriptors posted (free-running; data path). A frame takes one, or two when its header is posted from broker memory.</summary>
    internal uint TxDescriptorsPosted;
    /// <summary>Device TX descriptors reaped (free-running; data path).</summary>
    internal uint TxDescriptorsCleaned;
    /// <summary>When to signal the client sleeping on its completion ring (data path).</summary>
    internal SleeperNotifier TxNotifier { get; } = new();
    /// <summary>When to signal the client sleeping on its RX ring (data path).</summary>
    internal SleeperNotifier RxNotifier { get; } = new();
    /// <summary>Descriptors of the frame that starts at each device TX slot (data path).</summary>
    internal byte[] TxSegments { get; }

    private PacketPolicy _packetPolicy = PacketPolicy.Permissive;

    /// <summary>The packet rules in force (any thread; the data path reads it once per batch).</summary>
    internal PacketPolicy PacketPolicy => Volatile.Read(ref _packetPolicy);

    /// <summary>Publishes new packet rules; the data path applies them from its next batch (release store).</summary>
    internal void PublishPolicy(PacketPolicy policy) => Volatile.Write(ref _packetPolicy, policy);

    /// <summary>The client's token buckets, shared by its queues (set before the queue reaches the data path).</summary>
    internal TxRateLimiter RateLimiter { get; set; } = new();
    /// <summary>Device RX descriptors armed (free-running; written by the re-arm worker with release).</summary>
    internal uint RxArmed;
    /// <summary>Device RX descriptors delivered (free-running; written by the data path with release).</summary>
    internal uint RxCleaned;
    /// <summary>Quiet visits of the data path in a row, up to <see cref="IdlePolling.RoundsBeforeBackoff"/> (data path).</summary>
    internal int IdleRounds;
    /// <summary>Whether the data path visits this session in its current round, and what it did there (data path).</summary>
    internal bool Visited;
    internal int RoundWork;
    /// <summary>Set while the queue closes: no new requests are taken.</summary>
    internal volatile bool Closing;

    /// <summary>
    /// The in-broker client of a vhost-user port's queue (null for library clients). The data path runs
    /// it around the queue's TX intake and RX delivery each round (docs/vhost-user.md).
    /// </summary>
    internal Vhost.VhostPort? Front { get; set; }

    /// <summary>Counters written by the data path.</summary>
    public QueueCounters DataPathCounters { get; } = new();

    /// <summary>Counters written by the re-arm worker.</summary>
    public QueueCounters RearmCounters { get; } = new();

    /// <summary>Adds this queue's counters into <paramref name="sum"/>.</summary>
    public void AddCountersTo(Span<ulong> sum)
    {
        DataPathCounters.AddTo(sum);
        RearmCounters.AddTo(sum);
    }
}
