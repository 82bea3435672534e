using Mediator.Abi;
using Mediator.Client;
using Mediator.Control;

namespace Mediator.Tests.Client;

[Collection(FdCountCollection.Name)]
public class QueueFdTests
{
    private static void AssertRefusedWithoutLeak(Func<FakeBroker> make, string expectedText)
    {
        int before = FdCounter.Count();
        using (var fake = make())
        {
            using var client = fake.Connect();
            var e = Assert.Throws<MediatorException>(() => client.OpenQueue(FakeBroker.SmallGeometry));
            Assert.Equal(ErrorCode.Malformed, e.Code);
            Assert.False(e.IsFromBroker);
            Assert.Contains(expectedText, e.Message);
        }
        Assert.Equal(before, FdCounter.Count());
    }

    [Fact]
    public void Wrong_fd_count_is_refused_without_leaking() =>
        AssertRefusedWithoutLeak(() => new FakeBroker { FdsToSend = 6 }, "expected 7 descriptors");

    [Fact]
    public void Too_small_umem_memfd_is_refused_without_leaking() =>
        AssertRefusedWithoutLeak(() => new FakeBroker { UmemSizeDelta = -4096 }, "Umem memfd is");

    [Fact]
    public void Bad_area_header_is_refused_without_leaking() =>
        AssertRefusedWithoutLeak(() => new FakeBroker { BeforeReply = q => q.ClientHeader.Magic = 0xBAD }, "client area header");

    [Fact]
    public void Header_geometry_mismatch_is_refused_without_leaking() =>
        AssertRefusedWithoutLeak(() => new FakeBroker { BeforeReply = q => q.ClientHeader.Geometry.TxSize = 8 }, "client area header describes");

    [Fact]
    public void Dispose_closes_every_descriptor_and_mapping()
    {
        int before = FdCounter.Count();
        using (var fake = new FakeBroker())
        {
            using var client = fake.Connect();
            int connected = FdCounter.Count();
            var queue = client.OpenQueue(FakeBroker.SmallGeometry);
            // 7 received + 2 private cancel eventfds in the client; 7 more the fake keeps.
            Assert.Equal(connected + 16, FdCounter.Count());
            var received = queue.Mapping.Fds;
            queue.Dispose();
            Assert.All(received, fd => Assert.True(fd.IsClosed));
            Assert.Equal(connected + 7, FdCounter.Count());
            Assert.Throws<ObjectDisposedException>(() => queue.Mapping.Umem.Span.Length);
        }
        Assert.Equal(before, FdCounter.Count());
    }

    [Fact]
    public void Client_dispose_closes_its_queues()
    {
        int before = FdCounter.Count();
        using (var fake = new FakeBroker())
        {
            var client = fake.Connect();
            var q1 = client.OpenQueue(FakeBroker.SmallGeometry);
            var q2 = client.OpenQueue(FakeBroker.SmallGeometry);
            client.Dispose();
            Assert.All(q1.Mapping.Fds.Concat(q2.Mapping.Fds), fd => Assert.True(fd.IsClosed));
            Assert.Equal([1u, 2u], fake.ClosedQueues.Order().ToArray());
            q1.Dispose(); // idempotent after the client closed it
        }
        Assert.Equal(before, FdCounter.Count());
    }
}
