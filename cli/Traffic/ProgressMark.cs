using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Mediator.Cli.Traffic;

/// <summary>
/// Lets a harness read a traffic client's progress at the moments it chooses: on SIGUSR1 the client
/// prints <c>MARK &lt;count&gt; &lt;monotonic ns&gt;</c>, its frame count (completed for pktgen,
/// received for sink) and the time it was read. Two marks give each client's rate over (nearly) the same
/// window as the broker's counters, which is what a fairness index needs: whole-run rates would mix
/// clients that ran alone during the start-up of the others.
/// </summary>
internal sealed class ProgressMark : IDisposable
{
    private const int SigUsr1 = 10; // Linux x86-64 and arm64
    private readonly PosixSignalRegistration _registration;
    private long _count;

    public ProgressMark()
    {
        // A raw signal number is allowed (cast to PosixSignal); the handler runs on the runtime's signal thread.
        _registration = PosixSignalRegistration.Create((PosixSignal)SigUsr1, context =>
        {
            context.Cancel = true;
            // Acquire: pairs with the release in Update; the count is at most one batch old.
            long count = Volatile.Read(ref _count);
            long ns = (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MARK {count} {ns}"));
        });
    }

    /// <summary>Publishes the count (traffic thread, once per batch).</summary>
    public void Update(long count) => Volatile.Write(ref _count, count); // release: pairs with the handler's acquire

    public void Dispose() => _registration.Dispose();
}
