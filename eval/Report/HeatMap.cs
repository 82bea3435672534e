using ScottPlot;

namespace Mediator.Eval.Report;

/// <summary>The matrix as a PNG heat map: rows attacks, columns modes, one colour per outcome.</summary>
internal static class HeatMap
{
    private static Color ColorOf(Outcome o) => o switch
    {
        Outcome.Blocked => Color.FromHex("#2e7d32"),
        Outcome.Denied => Color.FromHex("#f9a825"),
        Outcome.Leaked => Color.FromHex("#ef6c00"),
        Outcome.Corrupted => Color.FromHex("#c62828"),
        Outcome.Crashed => Color.FromHex("#4a148c"),
        _ => Color.FromHex("#bdbdbd"),
    };

    public static void Write(SecurityReport report, string path)
    {
        var modes = report.Modes;
        var attacks = report.Attacks;
        var plot = new Plot();
        for (int row = 0; row < attacks.Count; row++)
        {
            for (int col = 0; col < modes.Count; col++)
            {
                var r = report.Results.FirstOrDefault(x => x.Attack == attacks[row].Name && x.Mode == modes[col]);
                var outcome = r?.Outcome ?? Outcome.NotRun;
                double y = attacks.Count - 1 - row;
                var rect = plot.Add.Rectangle(col, col + 1, y, y + 1);
                rect.FillColor = ColorOf(outcome);
                rect.LineColor = Colors.White;
                rect.LineWidth = 1;
                var text = plot.Add.Text(outcome.ToString(), col + 0.5, y + 0.5);
                text.LabelFontColor = Colors.White;
                text.LabelFontSize = 11;
                text.LabelAlignment = Alignment.MiddleCenter;
            }
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. modes.Select((m, i) => new Tick(i + 0.5, m.ToString()))]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. attacks.Select((a, i) => new Tick(attacks.Count - 1 - i + 0.5, a.Name))]);
        plot.Axes.SetLimits(0, modes.Count, 0, attacks.Count);
        plot.Title("Attack × mode (DMA-audit oracle)");
        plot.HideGrid();
        int height = Math.Max(400, 22 * attacks.Count + 120);
        plot.SavePng(path, 300 + 160 * modes.Count, height);
    }
}
