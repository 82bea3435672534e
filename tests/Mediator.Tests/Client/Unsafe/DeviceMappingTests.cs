using Mediator.Client;
using Mediator.Client.Unsafe;
using Mediator.Control;
using Mediator.Native;
using Mediator.Nic;

namespace Mediator.Tests.Client.Unsafe;

/// <summary>The client's checks on a MapDeviceReply: wrong counts or sizes are refused and no descriptor leaks.</summary>
public sealed class DeviceMappingTests
{
    private static MapDeviceReply Reply(ClientMode mode, ushort fds) => new()
    {
        Mode = (uint)mode, TxRingSize = 64, RxRingSize = mode == ClientMode.DirectMap ? 64u : 0, FdCount = fds,
    };

    [Fact]
    public void A_reply_with_too_few_descriptors_is_refused_and_every_descriptor_closed()
    {
        FileDescriptor[] fds = [Memfd.Create("t-tx", 64 * 16), Memfd.Create("t-rx", 64 * 16), Memfd.Create("t-bar", Registers.Bar0Size)];
        var e = Assert.Throws<MediatorException>(() => DeviceMapping.Attach(Reply(ClientMode.DirectMap, 4), fds));
        Assert.Equal(ErrorCode.Malformed, e.Code);
        Assert.All(fds, fd => Assert.True(fd.IsClosed));
    }

    [Fact]
    public void A_memfd_smaller_than_its_ring_is_refused_and_every_descriptor_closed()
    {
        FileDescriptor[] fds = [Memfd.Create("t-tx", 16), Memfd.Create("t-db", DoorbellPage.Size)];
        Assert.Throws<MediatorException>(() => DeviceMapping.Attach(Reply(ClientMode.TxDirect, 2), fds));
        Assert.All(fds, fd => Assert.True(fd.IsClosed));
    }

    [Fact]
    public void A_TxDirect_reply_maps_the_ring_and_the_doorbell_page_only()
    {
        FileDescriptor[] fds = [Memfd.Create("t-tx", 64 * 16), Memfd.Create("t-db", DoorbellPage.Size)];
        using var mapping = DeviceMapping.Attach(Reply(ClientMode.TxDirect, 2), fds);
        Assert.Equal(64 * 16, mapping.TxRing.Length);
        Assert.NotNull(mapping.Doorbell);
        Assert.Null(mapping.Bar0);
        Assert.Null(mapping.MsixTable);
    }
}
