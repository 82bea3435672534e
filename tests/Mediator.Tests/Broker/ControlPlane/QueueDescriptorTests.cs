using System.Runtime.InteropServices;
using Mediator.Abi;
using Mediator.Control;
using Mediator.Native;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Mediator.Tests.Broker.ControlPlane;

/// <summary>
/// The OpenQueueReply of docs/abi.md §7.3: exactly seven descriptors in <see cref="QueueFd"/> order,
/// memfds sized as the reply says and sealed so a hostile client cannot resize memory the broker has
/// mapped, and a broker area the client can only ever map read-only.
/// </summary>
public sealed unsafe class QueueDescriptorTests : IClassFixture<SharedBroker>, IDisposable
{
    private readonly RawControlClient _raw;
    private readonly RawReply _reply;
    private readonly OpenQueueReply _body;

    public QueueDescriptorTests(SharedBroker shared) => _raw = Open(shared.Broker.SocketPath, out _reply, out _body);

    private static RawControlClient Open(string socket, out RawReply reply, out OpenQueueReply body)
    {
        var raw = RawControlClient.Connect(socket);
        raw.Hello();
        reply = raw.OpenQueue(1, BrokerChecks.SmallGeometry);
        Assert.Equal(MessageType.OpenQueueReply, reply.Type);
        body = reply.Body<OpenQueueReply>();
        return raw;
    }

    private FileDescriptor Fd(QueueFd which) => _reply.Fds[(int)which];

    private static string Target(FileDescriptor fd) => new FileInfo($"/proc/self/fd/{fd.Fd}").LinkTarget ?? "";

    [Fact]
    public void Reply_CarriesExactlySevenDescriptorsInQueueFdOrder()
    {
        Assert.False(_reply.Truncated);
        Assert.Equal(7, _reply.Fds.Count);
        Assert.Equal(7, _body.FdCount);
        Assert.Equal(BrokerChecks.SmallGeometry, _body.Geometry);
        Assert.StartsWith("/memfd:mediator-umem-", Target(Fd(QueueFd.Umem)), StringComparison.Ordinal);
        Assert.StartsWith("/memfd:mediator-client-", Target(Fd(QueueFd.ClientArea)), StringComparison.Ordinal);
        Assert.StartsWith("/memfd:mediator-broker-", Target(Fd(QueueFd.BrokerArea)), StringComparison.Ordinal);
        for (var e = QueueFd.TxKick; e <= QueueFd.TxNotify; e++)
        {
            Assert.Equal("anon_inode:[eventfd]", Target(Fd(e)));
        }
        foreach (var fd in _reply.Fds)
        {
            Assert.True((fcntl(fd.Fd, F_GETFD) & FD_CLOEXEC) != 0, $"{fd} arrives with FD_CLOEXEC");
        }
    }

    [Fact]
    public void MemfdSizes_MatchTheReply()
    {
        Assert.Equal((long)_body.UmemSize, Memfd.GetSize(Fd(QueueFd.Umem)));
        Assert.Equal((long)BrokerChecks.SmallGeometry.UmemSize, (long)_body.UmemSize);
        Assert.Equal((long)_body.ClientAreaSize, Memfd.GetSize(Fd(QueueFd.ClientArea)));
        Assert.Equal((long)_body.BrokerAreaSize, Memfd.GetSize(Fd(QueueFd.BrokerArea)));
        var layout = new QueueLayout(_body.Geometry);
        Assert.Equal(layout.ClientAreaSize, (long)_body.ClientAreaSize);
        Assert.Equal(layout.BrokerAreaSize, (long)_body.BrokerAreaSize);
    }

    [Theory]
    [InlineData(QueueFd.Umem)]
    [InlineData(QueueFd.ClientArea)]
    [InlineData(QueueFd.BrokerArea)]
    public void Memfds_AreSealedAgainstShrinkAndGrow_SoFtruncateFails(QueueFd which)
    {
        var fd = Fd(which);
        var seals = Memfd.GetSeals(fd);
        Assert.Equal(MemfdSeals.Shrink | MemfdSeals.Grow | MemfdSeals.Seal, seals & (MemfdSeals.Shrink | MemfdSeals.Grow | MemfdSeals.Seal));
        long size = Memfd.GetSize(fd);
        Assert.Equal(-1, ftruncate(fd.Fd, size / 2));
        Assert.Equal(Errno.EPERM, Errno.Last);
        Assert.Equal(-1, ftruncate(fd.Fd, 0));
        Assert.Equal(-1, ftruncate(fd.Fd, size * 2));
        Assert.Equal(Errno.EPERM, Errno.Last);
        // The seal set is itself sealed: the client cannot loosen or add to it.
        Assert.Equal(-1, fcntl(fd.Fd, F_ADD_SEALS, (int)MemfdSeals.Write));
        Assert.Equal(size, Memfd.GetSize(fd));
    }

    [Fact]
    public void ClientArea_MapsReadWrite_WithTheClientAreaHeader()
    {
        using var map = MappedMemory.Map(Fd(QueueFd.ClientArea), (long)_body.ClientAreaSize, MapAccess.ReadWrite);
        var header = MemoryMarshal.Read<AreaHeader>(map.Span);
        Assert.Equal(AbiVersion.ClientAreaMagic, header.Magic);
        Assert.Equal(AbiVersion.Current, header.Version);
        Assert.Equal(_body.Geometry, header.Geometry);
        Assert.Equal(_body.ClientAreaSize, header.AreaSize);
        using var umem = MappedMemory.Map(Fd(QueueFd.Umem), (long)_body.UmemSize, MapAccess.ReadWrite);
        umem.Span[^1] = 0xAB;
    }

    [Fact]
    public void BrokerArea_CannotBeMappedWritable()
    {
        var e = Assert.Throws<NativeException>(() => MappedMemory.Map(Fd(QueueFd.BrokerArea), (long)_body.BrokerAreaSize, MapAccess.ReadWrite));
        Assert.Equal(Errno.EPERM, e.Errno);
        // Nor by a private writable mapping shared back to the file: MAP_SHARED|PROT_WRITE on any page.
        void* p = mmap(null, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, Fd(QueueFd.BrokerArea).Fd, 0);
        Assert.True(p == (void*)-1, "a writable shared mapping of the first page is refused");
    }

    [Fact]
    public void BrokerArea_MappedReadOnly_CannotBeMadeWritableWithMprotect()
    {
        using var map = MappedMemory.Map(Fd(QueueFd.BrokerArea), (long)_body.BrokerAreaSize, MapAccess.ReadOnly);
        var header = MemoryMarshal.Read<AreaHeader>(map.Span);
        Assert.Equal(AbiVersion.BrokerAreaMagic, header.Magic);
        Assert.Equal(_body.Geometry, header.Geometry);
        Assert.Equal(_body.BrokerAreaSize, header.AreaSize);
        int rc = mprotect(map.Pointer, (size_t)(ulong)map.Length, PROT_READ | PROT_WRITE);
        int errno = Errno.Last;
        Assert.Equal(-1, rc);
        Assert.Equal(Errno.EACCES, errno);
        rc = mprotect(map.Pointer, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
        Assert.Equal(-1, rc);
        Assert.Equal(AbiVersion.BrokerAreaMagic, MemoryMarshal.Read<AreaHeader>(map.Span).Magic);
    }

    [Fact]
    public void Eventfds_AreLiveAndKickable()
    {
        // Kicking the broker's eventfds is harmless (it counts a wakeup) and the queue still works after.
        for (var e = QueueFd.TxKick; e <= QueueFd.TxNotify; e++)
        {
            ulong one = 1;
            Assert.Equal(8, (int)write(Fd(e).Fd, &one, 8));
        }
        _raw.Send(MessageType.Stats, 2, new StatsRequest { QueueId = _body.QueueId });
        using var stats = _raw.Receive();
        Assert.Equal(MessageType.StatsReply, stats.Type);
    }

    public void Dispose()
    {
        _reply.Dispose();
        _raw.Dispose();
    }
}
