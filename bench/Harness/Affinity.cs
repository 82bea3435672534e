using System.Globalization;
using System.Runtime.InteropServices;

namespace Mediator.Bench.Harness;

/// <summary>
/// Pins every thread of a running process to one CPU (<c>--pin</c>: the broker on CPU 0, every client on
/// CPU 1), as a deployment that dedicates a core to the trusted side would, and as the DPDK comparison
/// pins each testpmd. Threads the process starts later inherit the mask of the thread that starts them.
/// </summary>
internal static partial class Affinity
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nint cpusetsize, ref ulong mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nint cpusetsize, out ulong mask);

    /// <summary>Pins the calling thread to <paramref name="cpu"/> (a no-op where the kernel refuses).</summary>
    public static void PinCurrentThread(int cpu) => SetCurrentThreadMask(1UL << cpu);

    /// <summary>The calling thread's CPU mask (the first 64 CPUs); all ones if the kernel will not say.</summary>
    public static ulong CurrentThreadMask() => sched_getaffinity(0, sizeof(ulong), out ulong mask) == 0 ? mask : ulong.MaxValue;

    /// <summary>Sets the calling thread's CPU mask.</summary>
    public static void SetCurrentThreadMask(ulong mask) => _ = sched_setaffinity(0, sizeof(ulong), ref mask);

    /// <summary>Pins the threads of <paramref name="pid"/>; returns how many could be pinned (a thread may end meanwhile).</summary>
    public static int Pin(int pid, int cpu)
    {
        int pinned = 0;
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (DirectoryNotFoundException)
        {
            return 0; // the process is gone
        }
        foreach (string task in tasks)
        {
            ulong mask = 1UL << cpu;
            if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out int tid)
                && sched_setaffinity(tid, sizeof(ulong), ref mask) == 0)
            {
                pinned++;
            }
        }
        return pinned;
    }
}
