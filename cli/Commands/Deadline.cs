using System.Diagnostics;

namespace Mediator.Cli.Commands;

/// <summary>A run's end: a duration, a frame count, Ctrl-C, whichever comes first.</summary>
internal sealed class Deadline
{
    private readonly long _end;
    private readonly long _count;
    private readonly CancellationToken _token;

    public Deadline(double seconds, long count, CancellationToken token)
    {
        Started = Stopwatch.GetTimestamp();
        _end = seconds > 0 ? Started + (long)(seconds * Stopwatch.Frequency) : long.MaxValue;
        _count = count > 0 ? count : long.MaxValue;
        _token = token;
    }

    public long Started { get; }

    public bool Reached(long done) => done >= _count || _token.IsCancellationRequested || Stopwatch.GetTimestamp() >= _end;

    public long Remaining(long done) => _count == long.MaxValue ? long.MaxValue : _count - done;

    public double Elapsed => Stopwatch.GetElapsedTime(Started).TotalSeconds;
}
