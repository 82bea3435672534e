using System.Runtime.CompilerServices;
using Mediator.Abi;
using Mediator.Broker.Device;
using Mediator.Control;
using Mediator.Native;

namespace Mediator.Broker.Mediation;

/// <summary>
/// Builds a <see cref="QueueSession"/>: creates and seals the three memfds, maps them, writes the area
/// headers, creates the eventfds and programs the device queue pair. On any failure everything made so
/// far is released.
/// </summary>
internal static unsafe class QueueFactory
{
    /// <summary>The MAC the broker assigns device queue <paramref name="queue"/> (locally administered).</summary>
    public static byte[] MacFor(int queue) => [0x02, 0x4D, 0x44, 0x00, (byte)(queue >> 8), (byte)queue];

    /// <summary>
    /// Creates the queue in <paramref name="mode"/> (unsafe modes: see <see cref="QueueSession.Mode"/>), steered by
    /// <paramref name="mac"/> (default <see cref="MacFor"/>). <paramref name="consumerInBroker"/>: the queue's
    /// client runs inside the broker (a vhost-user port), so its frames and completions are read on the data
    /// path's own core and are written with cached stores. The caller sends the descriptors, then calls
    /// <see cref="QueueMemory.CloseDescriptors"/>.
    /// </summary>
    public static QueueSession Create(DeviceModel device, uint clientId, uint queueId, int deviceQueue,
        QueueGeometry geometry, int maxFrameLength, uint throttleMicroseconds, ClientMode mode = ClientMode.Mediated, byte[]? mac = null,
        bool consumerInBroker = false)
    {
        var layout = new QueueLayout(geometry);
        var owned = new List<IDisposable>();
        try
        {
            string tag = $"c{clientId}q{queueId}";
            var umemFd = Own(owned, Memfd.Create($"mediator-umem-{tag}", (long)geometry.UmemSize));
            // The client can neither shrink the UMEM under the device (SIGBUS in the broker) nor grow it.
            Memfd.AddSeals(umemFd, MemfdSeals.Shrink | MemfdSeals.Grow | MemfdSeals.Seal);
            var clientFd = Own(owned, Memfd.Create($"mediator-client-{tag}", layout.ClientAreaSize));
            Memfd.AddSeals(clientFd, MemfdSeals.Shrink | MemfdSeals.Grow | MemfdSeals.Seal);
            var brokerFd = Own(owned, Memfd.Create($"mediator-broker-{tag}", layout.BrokerAreaSize));

            var umem = Own(owned, MappedMemory.Map(umemFd, (long)geometry.UmemSize, MapAccess.ReadWrite));
            var clientArea = Own(owned, MappedMemory.Map(clientFd, layout.ClientAreaSize, MapAccess.ReadWrite));
            var brokerArea = Own(owned, MappedMemory.Map(brokerFd, layout.BrokerAreaSize, MapAccess.ReadWrite));
            WriteHeader(clientArea.Pointer, AbiVersion.ClientAreaMagic, geometry, layout.ClientAreaSize);
            WriteHeader(brokerArea.Pointer, AbiVersion.BrokerAreaMagic, geometry, layout.BrokerAreaSize);
            // Our writable mapping exists; from now on nobody can make another one, so the client can
            // map the broker area read-only only, and the kernel enforces it.
            Memfd.AddSeals(brokerFd, MemfdSeals.Shrink | MemfdSeals.Grow | MemfdSeals.FutureWrite | MemfdSeals.Seal);

            var memory = new QueueMemory
            {
                UmemFd = umemFd, ClientAreaFd = clientFd, BrokerAreaFd = brokerFd,
                Umem = umem, ClientArea = clientArea, BrokerArea = brokerArea,
            };
            owned.Clear();
            owned.Add(memory);
            var events = Own(owned, new QueueEventFds());
            // The device RX ring holds twice the fill ring, so every buffer the client can post at once
            // fits at the device (an 82599 ring keeps one slot free), and the fill ring always drains.
            var driver = Own(owned, new QueueDriver(device, deviceQueue, geometry.TxSize, geometry.FillSize * 2, geometry.FrameSize,
                umem, tag, ownerTag: (int)(clientId << 8 | queueId & 0xFF), mac ?? MacFor(deviceQueue), vector: deviceQueue % 32, throttleMicroseconds, mode, consumerInBroker));
            return new QueueSession(clientId, queueId, geometry, layout, maxFrameLength, memory, driver, events, mode) { StreamCompletions = !consumerInBroker };
        }
        catch
        {
            for (int i = owned.Count - 1; i >= 0; i--)
            {
                owned[i].Dispose();
            }
            throw;
        }
    }

    private static T Own<T>(List<IDisposable> owned, T item) where T : IDisposable
    {
        owned.Add(item);
        return item;
    }

    private static void WriteHeader(byte* area, uint magic, QueueGeometry geometry, long size)
    {
        Unsafe.Write(area, new AreaHeader
        {
            Magic = magic, Version = AbiVersion.Current, HeaderSize = AreaHeader.Size, Geometry = geometry, AreaSize = (ulong)size,
        });
    }
}
