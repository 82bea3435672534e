using System.Diagnostics;
using System.Globalization;

namespace Mediator.Bench.Dpdk;

/// <summary>
/// 2 MiB hugepages for DPDK processes, reserved for the lifetime of this object: makes sure
/// <see cref="Pages"/> pages are free (raising <c>/proc/sys/vm/nr_hugepages</c> by what is missing) and
/// a hugetlbfs is mounted at <see cref="MountPoint"/>. Dispose puts back what it changed: the previous
/// <c>nr_hugepages</c> (unless someone else changed it meanwhile) and the mount it made. Reservations in
/// one process nest: the first one changes the system, the last one restores it. Needs root.
/// </summary>
public sealed class HugepageReservation : IDisposable
{
    public const string NrHugepagesPath = "/proc/sys/vm/nr_hugepages";
    public const string DefaultMountPoint = "/dev/hugepages";

    private static readonly Lock s_lock = new();
    private static int s_holders;
    private static long s_previous = -1;
    private static long s_set = -1;
    private static string? s_mountedAt;
    private static string? s_createdDirectory;

    private bool _disposed;

    private HugepageReservation(int pages, string mountPoint)
    {
        Pages = pages;
        MountPoint = mountPoint;
    }

    /// <summary>Pages this reservation asked to be free.</summary>
    public int Pages { get; }

    /// <summary>Where the hugetlbfs is mounted (DPDK's <c>--huge-dir</c>).</summary>
    public string MountPoint { get; }

    /// <summary>Reserves <paramref name="pages"/> free 2 MiB pages and a hugetlbfs mount; throws with the reason when the kernel cannot.</summary>
    public static HugepageReservation Reserve(int pages = 512, string mountPoint = DefaultMountPoint)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pages);
        lock (s_lock)
        {
            try
            {
                EnsureMounted(mountPoint);
                var (total, free) = Meminfo();
                if (free < pages)
                {
                    long target = total + (pages - free);
                    if (s_holders == 0 || s_previous < 0)
                    {
                        s_previous = ReadNr();
                    }
                    File.WriteAllText(NrHugepagesPath, target.ToString(CultureInfo.InvariantCulture));
                    s_set = ReadNr();
                    (_, free) = Meminfo();
                    if (free < pages)
                    {
                        throw new InvalidOperationException($"asked the kernel for {target} hugepages, {free} of the {pages} needed are free (memory fragmented or too small)");
                    }
                }
                s_holders++;
                return new HugepageReservation(pages, mountPoint);
            }
            catch
            {
                if (s_holders == 0)
                {
                    RestoreLocked();
                }
                throw;
            }
        }
    }

    /// <summary>Hugepages the kernel has (HugePages_Total) and how many are free (HugePages_Free).</summary>
    public static (long Total, long Free) Meminfo()
    {
        long total = 0, free = 0;
        foreach (string line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("HugePages_Total:", StringComparison.Ordinal))
            {
                total = long.Parse(line.AsSpan(16).Trim(), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("HugePages_Free:", StringComparison.Ordinal))
            {
                free = long.Parse(line.AsSpan(15).Trim(), CultureInfo.InvariantCulture);
            }
        }
        return (total, free);
    }

    /// <summary>Whether a hugetlbfs is mounted at <paramref name="mountPoint"/> (from /proc/mounts).</summary>
    public static bool IsHugetlbfsMounted(string mountPoint) =>
        File.ReadLines("/proc/mounts").Select(l => l.Split(' ')).Any(f => f.Length > 2 && f[1] == mountPoint && f[2] == "hugetlbfs");

    private static long ReadNr() => long.Parse(File.ReadAllText(NrHugepagesPath).Trim(), CultureInfo.InvariantCulture);

    private static void EnsureMounted(string mountPoint)
    {
        if (IsHugetlbfsMounted(mountPoint))
        {
            return;
        }
        if (!Directory.Exists(mountPoint))
        {
            Directory.CreateDirectory(mountPoint);
            s_createdDirectory = mountPoint;
        }
        Run("mount", ["-t", "hugetlbfs", "nodev", mountPoint], throwOnFailure: true);
        s_mountedAt = mountPoint;
    }

    private static void RestoreLocked()
    {
        if (s_previous >= 0)
        {
            try
            {
                // Only undo our own change: if someone else set another figure meanwhile, theirs stands.
                if (ReadNr() == s_set)
                {
                    File.WriteAllText(NrHugepagesPath, s_previous.ToString(CultureInfo.InvariantCulture));
                }
            }
            catch (IOException)
            {
            }
            s_previous = -1;
            s_set = -1;
        }
        if (s_mountedAt is { } mounted && Run("umount", [mounted], throwOnFailure: false) == 0)
        {
            // A busy mount (someone else's DPDK process still has files there) stays: not ours to break.
            s_mountedAt = null;
        }
        if (s_createdDirectory is { } created && s_mountedAt is null)
        {
            try
            {
                Directory.Delete(created);
            }
            catch (IOException)
            {
            }
            s_createdDirectory = null;
        }
    }

    private static int Run(string file, string[] args, bool throwOnFailure)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var p = Process.Start(info) ?? throw new InvalidOperationException("could not start " + file);
        var output = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            p.Kill();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 20 s");
        }
        _ = output.Result;
        if (p.ExitCode != 0 && throwOnFailure)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {err.Trim()}");
        }
        return p.ExitCode;
    }

    /// <summary>Releases this reservation; the last one restores nr_hugepages and unmounts what it mounted.</summary>
    public void Dispose()
    {
        lock (s_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (--s_holders == 0)
            {
                RestoreLocked();
            }
        }
    }
}
