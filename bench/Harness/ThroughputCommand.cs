namespace Mediator.Bench.Harness;

internal static class ThroughputCommand
{
    public static int Run(string[] args) => args.Length;
}
