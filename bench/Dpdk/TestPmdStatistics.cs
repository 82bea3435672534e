using System.Globalization;
using System.Text.RegularExpressions;

namespace Mediator.Bench.Dpdk;

/// <summary>
/// One "NIC statistics for port N" block testpmd prints every <c>--stats-period</c> seconds (and on
/// <c>show port stats</c>): the driver's cumulative counters and the rates since the previous block.
/// </summary>
/// <param name="Port">The DPDK port id.</param>
/// <param name="Timestamp">When the block's last line arrived (<see cref="System.Diagnostics.Stopwatch"/> ticks; 0 if unknown).</param>
public sealed record NicStatistics(int Port, long Timestamp)
{
    public long RxPackets { get; init; }
    public long RxMissed { get; init; }
    public long RxBytes { get; init; }
    public long RxErrors { get; init; }
    public long RxNoMbuf { get; init; }
    public long TxPackets { get; init; }
    public long TxErrors { get; init; }
    public long TxBytes { get; init; }
    /// <summary>testpmd's own rate since the previous block (TSC-timed).</summary>
    public long RxPps { get; init; }
    public long TxPps { get; init; }
}

/// <summary>
/// The "Forward statistics" testpmd prints when forwarding stops (<c>stop</c>, quit, SIGINT/SIGTERM):
/// what its forwarding engine counted since forwarding (last) started. <see cref="Port"/> is -1 for the
/// "Accumulated forward statistics for all ports" block.
/// </summary>
public sealed record ForwardStatistics(int Port)
{
    public long RxPackets { get; init; }
    /// <summary>Frames received and dropped by the engine (e.g. a full TX ring in io/mac/macswap modes).</summary>
    public long RxDropped { get; init; }
    public long RxTotal { get; init; }
    /// <summary>Frames the driver accepted for transmission.</summary>
    public long TxPackets { get; init; }
    /// <summary>Frames the engine built but the driver refused (ring full): never left the process.</summary>
    public long TxDropped { get; init; }
    public long TxTotal { get; init; }
}

/// <summary>
/// Parses testpmd's statistics out of its console output: tolerant of the terminal escapes it writes
/// before each periodic block, of interleaved log lines (vhost, EAL), of extra counters (bad checksums)
/// and of a block cut short by the process ending (dropped: only closed blocks count).
/// </summary>
public static partial class TestPmdStatistics
{
    private enum Block
    {
        None,
        Nic,
        Forward,
        Accumulated,
    }

    /// <summary>Periodic NIC blocks in output order, and the final forward statistics (null if testpmd printed none).</summary>
    public sealed record Parsed(IReadOnlyList<NicStatistics> Nic, IReadOnlyList<ForwardStatistics> Forward, ForwardStatistics? Accumulated)
    {
        /// <summary>The last NIC block of <paramref name="port"/>, or null.</summary>
        public NicStatistics? LastNic(int port = 0) => Nic.LastOrDefault(n => n.Port == port);

        /// <summary>The latest forward statistics of <paramref name="port"/> (each <c>stop</c> prints one), or null.</summary>
        public ForwardStatistics? ForwardOf(int port = 0) => Forward.LastOrDefault(f => f.Port == port);
    }

    /// <summary>Whether <paramref name="line"/> closes a statistics block (a rule of #, - or +): the only lines after which a re-parse can find a new block.</summary>
    public static bool ClosesBlock(string line) => Rule().IsMatch(Escapes().Replace(line, "").Trim());

    /// <summary>Parses output lines without arrival times.</summary>
    public static Parsed Parse(IEnumerable<string> lines) => Parse(lines.Select(l => (0L, l)));

    /// <summary>Parses (arrival timestamp, line) pairs, as <see cref="TestPmd"/> records them.</summary>
    public static Parsed Parse(IEnumerable<(long Timestamp, string Line)> lines)
    {
        var nic = new List<NicStatistics>();
        var forward = new List<ForwardStatistics>();
        ForwardStatistics? accumulated = null;
        var block = Block.None;
        int port = 0;
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (timestamp, raw) in lines)
        {
            string line = Escapes().Replace(raw, "").Trim();
            if (line.Length == 0)
            {
                continue;
            }
            if (Header().Match(line) is { Success: true } h)
            {
                // A header while another block is open means the earlier one was cut short: forget it.
                block = h.Groups["kind"].Value switch
                {
                    "NIC" => Block.Nic,
                    "Accumulated forward" => Block.Accumulated,
                    _ => Block.Forward,
                };
                port = h.Groups["port"].Success ? int.Parse(h.Groups["port"].Value, CultureInfo.InvariantCulture) : -1;
                values.Clear();
                continue;
            }
            if (block == Block.None)
            {
                continue;
            }
            if (Rule().IsMatch(line))
            {
                switch (block)
                {
                    case Block.Nic:
                        nic.Add(new NicStatistics(port, timestamp)
                        {
                            RxPackets = Get(values, "RX-packets"), RxMissed = Get(values, "RX-missed"), RxBytes = Get(values, "RX-bytes"),
                            RxErrors = Get(values, "RX-errors"), RxNoMbuf = Get(values, "RX-nombuf"), TxPackets = Get(values, "TX-packets"),
                            TxErrors = Get(values, "TX-errors"), TxBytes = Get(values, "TX-bytes"), RxPps = Get(values, "Rx-pps"), TxPps = Get(values, "Tx-pps"),
                        });
                        break;
                    case Block.Forward or Block.Accumulated:
                        var f = new ForwardStatistics(block == Block.Accumulated ? -1 : port)
                        {
                            RxPackets = Get(values, "RX-packets"), RxDropped = Get(values, "RX-dropped"), RxTotal = Get(values, "RX-total"),
                            TxPackets = Get(values, "TX-packets"), TxDropped = Get(values, "TX-dropped"), TxTotal = Get(values, "TX-total"),
                        };
                        if (block == Block.Accumulated)
                        {
                            accumulated = f;
                        }
                        else
                        {
                            forward.Add(f);
                        }
                        break;
                }
                block = Block.None;
                values.Clear();
                continue;
            }
            foreach (Match m in Counter().Matches(line))
            {
                values[m.Groups["key"].Value] = long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }
        return new Parsed(nic, forward, accumulated);
    }

    private static long Get(Dictionary<string, long> values, string key) => values.TryGetValue(key, out long v) ? v : 0;

    // ESC [ … letter: the clear-screen and cursor-home sequences before each periodic block.
    [GeneratedRegex(@"\x1B\[[0-9;]*[A-Za-z]")]
    private static partial Regex Escapes();

    [GeneratedRegex(@"^[#\-+]+\s*(?<kind>NIC|Forward|Accumulated forward) statistics for (port (?<port>\d+)|all ports)\s*[#\-+]+$")]
    private static partial Regex Header();

    // The closing rule of a block: a line of only #, - or +.
    [GeneratedRegex(@"^[#\-+]{20,}$")]
    private static partial Regex Rule();

    [GeneratedRegex(@"(?<key>[A-Za-z][A-Za-z-]*):\s*(?<value>\d+)\b")]
    private static partial Regex Counter();
}
