using Mediator.Native;

namespace Mediator.Broker.Mediation;

/// <summary>
/// The three memfds of a queue and the broker's mappings of them. The broker keeps the descriptors
/// only until the reply carrying them is sent; the mappings keep the memory alive after that.
/// </summary>
internal sealed class QueueMemory : IDisposable
{
    public required FileDescriptor UmemFd { get; init; }
    public required FileDescriptor ClientAreaFd { get; init; }
    public required FileDescriptor BrokerAreaFd { get; init; }
    public required MappedMemory Umem { get; init; }
    public required MappedMemory ClientArea { get; init; }
    public required MappedMemory BrokerArea { get; init; }

    /// <summary>Closes the descriptors (after they were sent); the mappings stay.</summary>
    public void CloseDescriptors()
    {
        UmemFd.Dispose();
        ClientAreaFd.Dispose();
        BrokerAreaFd.Dispose();
    }

    public void Dispose()
    {
        CloseDescriptors();
        Umem.Dispose();
        ClientArea.Dispose();
        BrokerArea.Dispose();
    }
}
