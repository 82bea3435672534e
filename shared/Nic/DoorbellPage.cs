namespace Mediator.Nic;

/// <summary>
/// <b>Model</b>: a per-queue TX doorbell page. Modern NICs put each queue's doorbell on its own page of
/// the BAR so that one page can be mapped into one untrusted process; the 82599 does not, so the model
/// adds it. A TX queue in doorbell-page mode takes its tail (TDT) from the page instead of BAR0, and
/// the page holds nothing else: mapping it lets a client ring its own queue's doorbell and touch no
/// other register.
/// </summary>
public static class DoorbellPage
{
    /// <summary>Bytes of the page (its memfd).</summary>
    public const int Size = 4096;
    /// <summary>Offset of the 32-bit TX tail in the page; same meaning as <c>TDT</c>.</summary>
    public const int TxTail = 0;
}
