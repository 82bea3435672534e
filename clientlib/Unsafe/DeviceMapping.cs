using Mediator.Control;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Client.Unsafe;

/// <summary>
/// What a MapDeviceReply hands over, checked and mapped read-write: the device TX ring, and either the
/// TX doorbell page (TxDirect) or the RX ring, BAR0 and the MSI-X table (DirectMap). Owns every
/// descriptor from the moment it is asked to attach; on failure all are closed before the exception leaves.
/// </summary>
internal sealed class DeviceMapping : IDisposable
{
    private readonly FileDescriptor[] _fds;
    private readonly List<MappedMemory> _maps = [];

    private DeviceMapping(FileDescriptor[] fds) => _fds = fds;

    public MappedMemory TxRing { get; private set; } = null!;
    public MappedMemory? Doorbell { get; private set; }
    public MappedMemory? RxRing { get; private set; }
    public MappedMemory? Bar0 { get; private set; }
    public MappedMemory? MsixTable { get; private set; }

    /// <summary>Checks <paramref name="reply"/> against <paramref name="fds"/> and maps them; takes ownership of the fds.</summary>
    public static DeviceMapping Attach(in MapDeviceReply reply, IReadOnlyList<FileDescriptor> fds)
    {
        DeviceMapping? mapping = null;
        try
        {
            var mode = (ClientMode)reply.Mode;
            int expected = mode switch
            {
                ClientMode.TxDirect => MapDeviceReply.TxDirectFdCount,
                ClientMode.DirectMap => MapDeviceReply.DirectMapFdCount,
                _ => throw Bad($"MapDeviceReply names mode {reply.Mode}"),
            };
            if (reply.FdCount != expected || fds.Count != expected)
            {
                throw Bad($"{mode} needs {expected} descriptors; the reply announces {reply.FdCount} and carries {fds.Count}");
            }
            if (reply.TxRingSize == 0 || (reply.TxRingSize & (reply.TxRingSize - 1)) != 0
                || (mode == ClientMode.DirectMap && (reply.RxRingSize == 0 || (reply.RxRingSize & (reply.RxRingSize - 1)) != 0)))
            {
                throw Bad($"ring sizes {reply.TxRingSize}/{reply.RxRingSize} are not powers of two");
            }
            mapping = new DeviceMapping([.. fds]);
            mapping.TxRing = mapping.Map(0, (long)reply.TxRingSize * TxDescriptor.Size, "TX ring");
            if (mode == ClientMode.TxDirect)
            {
                mapping.Doorbell = mapping.Map(1, DoorbellPage.Size, "TX doorbell page");
            }
            else
            {
                mapping.RxRing = mapping.Map(1, (long)reply.RxRingSize * RxDescriptor.Size, "RX ring");
                mapping.Bar0 = mapping.Map(2, Registers.Bar0Size, "BAR0");
                mapping.MsixTable = mapping.Map(3, MsixEntry.TableSize, "MSI-X table");
            }
            return mapping;
        }
        catch
        {
            if (mapping is not null)
            {
                mapping.Dispose();
            }
            else
            {
                foreach (var fd in fds)
                {
                    fd.Dispose();
                }
            }
            throw;
        }
    }

    private MappedMemory Map(int index, long length, string what)
    {
        long size = Memfd.GetSize(_fds[index]);
        if (size < length)
        {
            throw Bad($"{what} memfd is {size} bytes, at least {length} expected");
        }
        var map = MappedMemory.Map(_fds[index], length, MapAccess.ReadWrite);
        _maps.Add(map);
        return map;
    }

    private static MediatorException Bad(string text) => new(ErrorCode.Malformed, MessageType.MapDevice, text, fromBroker: false);

    public void Dispose()
    {
        foreach (var map in _maps)
        {
            map.Dispose();
        }
        _maps.Clear();
        foreach (var fd in _fds)
        {
            fd.Dispose();
        }
    }
}
