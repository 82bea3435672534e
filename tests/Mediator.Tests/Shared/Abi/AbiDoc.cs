using System.Globalization;
using System.Runtime.CompilerServices;

namespace Mediator.Tests.Shared.Abi;

/// <summary>
/// Reads the tables of docs/abi.md that follow an <c>&lt;!-- abi:KIND ARG... --&gt;</c> marker, so the
/// tests compare the structs with what a C programmer reads, not with a second copy of the numbers.
/// </summary>
internal static class AbiDoc
{
    private static readonly Lazy<string> Doc = new(() => File.ReadAllText(Path.Combine(RepoRoot(), "docs", "abi.md")));
    private static readonly Lazy<string[]> Lines = new(() => Doc.Value.Split('\n'));

    /// <summary>The whole document.</summary>
    public static string Text => Doc.Value;

    /// <summary>A marked table: the marker's words after the kind, and the data rows split into trimmed cells.</summary>
    public sealed record Table(string Kind, string[] Args, List<string[]> Rows);

    public static IEnumerable<Table> Tables(string kind)
    {
        var lines = Lines.Value;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (!line.StartsWith("<!-- abi:", StringComparison.Ordinal))
            {
                continue;
            }
            var words = line["<!-- abi:".Length..^"-->".Length].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words[0] != kind)
            {
                continue;
            }
            var rows = new List<string[]>();
            // Skip the column names and the --- row: data starts two lines below the marker.
            for (int j = i + 3; j < lines.Length && lines[j].StartsWith('|'); j++)
            {
                rows.Add(SplitRow(lines[j]));
            }
            yield return new Table(kind, words[1..], rows);
        }
    }

    /// <summary>A cell's code span without backticks, or null when the cell is not one.</summary>
    public static string? Code(string cell) =>
        cell.Length > 2 && cell[0] == '`' && cell[^1] == '`' ? cell[1..^1] : null;

    /// <summary>Parses 123 or 0x1F.</summary>
    public static ulong Number(string cell)
    {
        cell = cell.Trim();
        return cell.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.Parse(cell.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : ulong.Parse(cell, CultureInfo.InvariantCulture);
    }

    public static Type ShareType(string fullName) =>
        typeof(Mediator.Abi.AbiVersion).Assembly.GetType(fullName, throwOnError: true)!;

    public static int SizeOf(Type t) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;

    private static string[] SplitRow(string line)
    {
        // "\|" inside a cell is an escaped bar, not a column break.
        var cells = line.Replace("\\|", "\u0001", StringComparison.Ordinal).Trim().Trim('|').Split('|');
        return [.. cells.Select(c => c.Replace('\u0001', '|').Trim())];
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Mediator.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Mediator.sln not found above " + AppContext.BaseDirectory);
    }
}
