using Mediator.Native;

namespace Mediator.Broker.Mediation;

/// <summary>The four eventfds of a queue; the client gets duplicates of all four.</summary>
internal sealed class QueueEventFds : IDisposable
{
    /// <summary>Client → broker: TX requests posted while the data path slept.</summary>
    public EventFd TxKick { get; } = new();
    /// <summary>Client → broker: fill entries posted while the re-arm worker slept.</summary>
    public EventFd FillKick { get; } = new();
    /// <summary>Broker → client: RX entries delivered while the client slept.</summary>
    public EventFd RxNotify { get; } = new();
    /// <summary>Broker → client: completions written while the client slept.</summary>
    public EventFd TxNotify { get; } = new();

    public void Dispose()
    {
        TxKick.Dispose();
        FillKick.Dispose();
        RxNotify.Dispose();
        TxNotify.Dispose();
    }
}
