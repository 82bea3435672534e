using System.Text.Json;
using Mediator.Bench.Harness;

namespace Mediator.Tests.Bench;

/// <summary>
/// CI smoke test of the throughput harness: its smoke profile (one pktgen→sink point and one ping-pong
/// point, a fraction of a second each, real broker and client processes) writes every output file and
/// they parse. It checks that the harness works, never how fast anything is. It runs alone: its busy-polling
/// processes would starve other process-based tests, and its control connection would disturb the
/// descriptor-counting ones.
/// </summary>
[Collection(HarnessCollection.Name)]
public sealed class ThroughputHarnessSmokeTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"mediator-harness-smoke-{Guid.NewGuid():N}");

    [Fact]
    public void Smoke_profile_writes_json_csv_summary_and_plots()
    {
        var run = ThroughputCommand.Execute(new HarnessSettings
        {
            Profile = "smoke", Warmup = 0.2, Measure = 0.5, Repeats = 1, Quiet = true, OutDir = _dir,
            Modes = [Modes.Mediated, Modes.DirectMap],
        });

        int expected = Plan.Smoke().Count * 2;
        Assert.Equal(expected, run.Points.Count);
        // Both modes run: DirectMap is counted at the device (DeviceTxFrames/DeviceRxFrames), Mediated at the broker.
        // DirectMap has no ping-pong mode: its latency point says so rather than failing.
        Assert.All(run.Points, p => Assert.True(p.Ok || (p.Mode == Modes.DirectMap && p.Traffic == "Latency" && p.Status.StartsWith("not available", StringComparison.Ordinal)),
            $"{p.Mode} {p.Point}: {p.Status}"));
        Assert.Contains(run.Points, p => p.Mode == Modes.DirectMap && p.Ok);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "results.json")));
        Assert.Equal(expected, json.RootElement.GetProperty("Points").GetArrayLength());
        Assert.True(json.RootElement.GetProperty("Machine").GetProperty("Cores").GetInt32() > 0);

        string[] csv = File.ReadAllLines(Path.Combine(_dir, "results.csv"));
        Assert.Equal(string.Join(',', Report.CsvColumns), csv[0]);
        Assert.Equal(expected + 1, csv.Length);
        Assert.All(csv.Skip(1), line => Assert.True(line.Split(',').Length >= Report.CsvColumns.Length, line));

        string summary = File.ReadAllText(Path.Combine(_dir, "summary.md"));
        Assert.Contains("## Targets", summary);
        Assert.Contains("7. ping-pong latency", summary);

        string latency = Path.Combine(_dir, "latency-Mediated-r0.txt");
        Assert.True(File.ReadLines(latency).Any(), "no latency samples");
        string plot = Path.Combine(_dir, "latency-cdf.png");
        byte[] png = File.ReadAllBytes(plot);
        Assert.True(png.Length > 1000 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G', "latency-cdf.png is not a PNG");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HarnessCollection
{
    public const string Name = "throughput harness (runs alone)";
}
