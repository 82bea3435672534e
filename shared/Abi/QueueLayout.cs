namespace Mediator.Abi;

/// <summary>
/// Where everything of one queue lives in its two shared areas. Each index line is placed in the area
/// that only its owner can write:
/// <list type="bullet">
/// <item>the <b>client area</b> (mapped read-write by the client): header, TX producer, fill producer,
/// completion consumer, RX consumer, then TX entries and fill entries;</item>
/// <item>the <b>broker area</b> (mapped read-only by the client, enforced by F_SEAL_FUTURE_WRITE):
/// header, TX consumer, fill consumer, completion producer, RX producer, then completion entries and
/// RX entries.</item>
/// </list>
/// All offsets are from the start of their area; docs/abi.md draws the same picture.
/// </summary>
public readonly record struct QueueLayout
{
    /// <summary>Offset of the client area's TX producer line.</summary>
    public const int TxProducer = AreaHeader.Size;
    /// <summary>Offset of the client area's fill producer line.</summary>
    public const int FillProducer = TxProducer + IndexLine.Size;
    /// <summary>Offset of the client area's completion consumer line.</summary>
    public const int CompletionConsumer = FillProducer + IndexLine.Size;
    /// <summary>Offset of the client area's RX consumer line.</summary>
    public const int RxConsumer = CompletionConsumer + IndexLine.Size;
    /// <summary>Offset of the client area's TX entries.</summary>
    public const int TxEntries = RxConsumer + IndexLine.Size;

    /// <summary>Offset of the broker area's TX consumer line (its flags carry the broker's need-wakeup).</summary>
    public const int TxConsumer = AreaHeader.Size;
    /// <summary>Offset of the broker area's fill consumer line.</summary>
    public const int FillConsumer = TxConsumer + IndexLine.Size;
    /// <summary>Offset of the broker area's completion producer line.</summary>
    public const int CompletionProducer = FillConsumer + IndexLine.Size;
    /// <summary>Offset of the broker area's RX producer line.</summary>
    public const int RxProducer = CompletionProducer + IndexLine.Size;
    /// <summary>Offset of the broker area's completion entries.</summary>
    public const int CompletionEntries = RxProducer + IndexLine.Size;

    /// <summary>Lays out the areas for <paramref name="geometry"/> (which must be valid).</summary>
    public QueueLayout(QueueGeometry geometry)
    {
        if (geometry.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(geometry));
        }
        Geometry = geometry;
        FillEntries = AlignLine(TxEntries + (long)geometry.TxSize * TxRequest.Size);
        ClientAreaSize = AlignPage(FillEntries + (long)geometry.FillSize * FillEntry.Size);
        RxEntries = AlignLine(CompletionEntries + (long)geometry.CompletionSize * Completion.Size);
        BrokerAreaSize = AlignPage(RxEntries + (long)geometry.RxSize * Completion.Size);
    }

    /// <summary>The geometry this layout is for.</summary>
    public QueueGeometry Geometry { get; }

    /// <summary>Offset of the fill entries in the client area.</summary>
    public long FillEntries { get; }

    /// <summary>Offset of the RX entries in the broker area.</summary>
    public long RxEntries { get; }

    /// <summary>Bytes of the client area (page multiple).</summary>
    public long ClientAreaSize { get; }

    /// <summary>Bytes of the broker area (page multiple).</summary>
    public long BrokerAreaSize { get; }

    private static long AlignLine(long n) => (n + AbiVersion.CacheLine - 1) & ~(long)(AbiVersion.CacheLine - 1);

    private static long AlignPage(long n) => (n + AbiVersion.PageSize - 1) & ~(long)(AbiVersion.PageSize - 1);
}
