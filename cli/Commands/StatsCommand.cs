using System.CommandLine;
using Mediator.Client;
using Mediator.Control;
using Spectre.Console;

namespace Mediator.Cli.Commands;

/// <summary><c>mediator stats</c>: the broker's counters over the control socket, once or refreshing.</summary>
internal static class StatsCommand
{
    public static Command Create()
    {
        var socket = CommonOptions.Socket();
        var watch = new Option<bool>("--watch", "-w") { Description = "Refresh every second until Ctrl-C" };
        var command = new Command("stats", "Show the broker's counters") { socket, watch };
        command.SetAction(async (r, token) =>
        {
            using var client = MediatorClient.Connect(r.GetValue(socket)!, "stats");
            if (!r.GetValue(watch))
            {
                AnsiConsole.Write(Render(client.GetStatistics(), null, 0));
                return 0;
            }
            QueueStatistics? previous = null;
            var started = DateTime.UtcNow;
            await AnsiConsole.Live(new Text("connecting…")).StartAsync(async live =>
            {
                var last = DateTime.UtcNow;
                while (!token.IsCancellationRequested && !client.IsBrokerShuttingDown)
                {
                    var now = DateTime.UtcNow;
                    var stats = client.GetStatistics();
                    live.UpdateTarget(Render(stats, previous, (now - last).TotalSeconds));
                    previous = stats;
                    last = now;
                    try
                    {
                        await Task.Delay(1000, token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            });
            return 0;
        });
        return command;
    }

    /// <summary>A table of every counter, with a per-second rate when a previous sample is given.</summary>
    public static Table Render(QueueStatistics stats, QueueStatistics? previous, double seconds)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]mediator broker[/]");
        table.AddColumn("counter");
        table.AddColumn(new TableColumn("value").RightAligned());
        if (previous is not null)
        {
            table.AddColumn(new TableColumn("per second").RightAligned());
        }
        for (var c = (QueueCounter)0; c < QueueCounter.Count; c++)
        {
            ulong value = stats[c];
            if (previous is null)
            {
                table.AddRow(c.ToString(), value.ToString("N0"));
            }
            else
            {
                double rate = seconds > 0 ? (value - previous[c]) / seconds : 0;
                table.AddRow(c.ToString(), value.ToString("N0"), rate.ToString("N0"));
            }
        }
        return table;
    }
}
