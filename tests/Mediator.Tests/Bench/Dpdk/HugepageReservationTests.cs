using System.Globalization;
using Mediator.Bench.Dpdk;

namespace Mediator.Tests.Bench.Dpdk;

/// <summary>The reservation changes the system only as much as needed and puts it back. Root only (CI runs as root).</summary>
[Collection(DpdkCollection.Name)]
public sealed class HugepageReservationTests
{
    [Fact]
    public void Nested_reservations_keep_the_pages_until_the_last_one_ends_then_restore_the_system()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Skip("needs root (nr_hugepages, hugetlbfs mount); CI runs as root");
        }
        long before = Nr();
        bool mountedBefore = HugepageReservation.IsHugetlbfsMounted(HugepageReservation.DefaultMountPoint);
        var (_, freeBefore) = HugepageReservation.Meminfo();
        int want = (int)freeBefore + 8; // more than is free now: the reservation must raise nr_hugepages

        using (var outer = HugepageReservation.Reserve(want))
        {
            long raised = Nr();
            Assert.True(raised >= before + 8, $"nr_hugepages {before} -> {raised}");
            Assert.True(HugepageReservation.Meminfo().Free >= want);
            using (HugepageReservation.Reserve(4))
            {
                Assert.Equal(raised, Nr()); // already free: nothing to change
            }
            // The inner one ended: the outer one still holds the pages and the mount.
            Assert.Equal(raised, Nr());
            Assert.True(HugepageReservation.IsHugetlbfsMounted(outer.MountPoint));
        }

        Assert.Equal(before, Nr());
        Assert.Equal(mountedBefore, HugepageReservation.IsHugetlbfsMounted(HugepageReservation.DefaultMountPoint));
    }

    [Fact]
    public void A_reservation_of_no_pages_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HugepageReservation.Reserve(0));
    }

    private static long Nr() => long.Parse(File.ReadAllText(HugepageReservation.NrHugepagesPath).Trim(), CultureInfo.InvariantCulture);
}
