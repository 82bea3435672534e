namespace Mediator.Tests.Client;

/// <summary>Open descriptors of this process; tests that count them run alone (see <see cref="FdCountCollection"/>).</summary>
internal static class FdCounter
{
    public static int Count() => Directory.GetFiles("/proc/self/fd").Length;
}

/// <summary>Tests that compare descriptor counts must not run beside tests that open descriptors.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FdCountCollection
{
    public const string Name = "fd counting";
}
