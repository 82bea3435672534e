using System.Globalization;
using Spectre.Console;

namespace Mediator.Bench.Dpdk;

/// <summary><c>dotnet run -c Release --project bench -- vhost [options]</c>: the DPDK vhost-user comparison.</summary>
public static class VhostCommand
{
    public const string Usage = """
        usage: vhost [--smoke] [--repeats N] [--warmup S] [--measure S] [--parts dpdk,mediator,library] [--out DIR] [--quiet]
          Runs, on the same two cores, 64-byte frames, burst 64: DPDK's own vhost-user pair (testpmd net_vhost <->
          testpmd virtio-user) both ways; an unmodified testpmd (virtio-user) through the broker's vhost-user port;
          and Mediator's client library (pktgen, pktgen -> sink). Needs root and dpdk-testpmd (Debian dpdk-dev);
          reserves 512 x 2 MiB hugepages for the run and restores the previous setting.
          default: 3 repeats, warm-up 1 s, window 3 s (about 2 minutes); --smoke: 1 repeat, 0.5 s + 1 s
        Writes results.json, results.csv and summary.md into results/vhost/<UTC time>/.
        """;

    public static int Run(string[] args)
    {
        var s = new VhostComparisonSettings();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                double Number() => double.Parse(Next(), CultureInfo.InvariantCulture);
                switch (args[i])
                {
                    case "--smoke": s = s with { Repeats = 1, Warmup = 0.5, Measure = 1 }; break;
                    case "--repeats": s = s with { Repeats = (int)Number() }; break;
                    case "--warmup": s = s with { Warmup = Number() }; break;
                    case "--measure": s = s with { Measure = Number() }; break;
                    case "--parts": s = s with { Parts = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) }; break;
                    case "--out": s = s with { OutDir = Next() }; break;
                    case "--quiet": s = s with { Quiet = true }; break;
                    case "-h" or "--help":
                        Console.WriteLine(Usage);
                        return 0;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var run = VhostComparison.Execute(s, s.Quiet ? null : what => AnsiConsole.MarkupLine(Markup.Escape($"{DateTime.UtcNow:HH:mm:ss} {what}")));
        if (!s.Quiet)
        {
            Console.WriteLine(File.ReadAllText(Path.Combine(run.OutputDirectory, "summary.md")));
            Console.WriteLine($"wrote {run.OutputDirectory}");
        }
        return run.Points.Any(p => p.Status.StartsWith("failed", StringComparison.Ordinal)) ? 1 : 0;
    }
}
