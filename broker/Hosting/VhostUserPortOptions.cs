using System.Globalization;

namespace Mediator.Broker.Hosting;

/// <summary>
/// One vhost-user port (configuration <c>Broker:VhostUser:N:Path</c> / <c>:Mac</c>, or
/// <c>mediator broker --vhost-user PATH[@MAC]</c>): the broker listens on an AF_UNIX stream socket at
/// <see cref="Path"/> for one front end (DPDK virtio_user, QEMU) at a time, which becomes a mediated
/// client with its own device queue pair and this MAC.
/// </summary>
public sealed class VhostUserPortOptions
{
    /// <summary>The socket path (created at start, removed at stop; at most 107 bytes).</summary>
    public string Path { get; set; } = "";

    /// <summary>
    /// The port's MAC, "xx:xx:xx:xx:xx:xx" (unicast). Empty: 02:4d:56:00:00:NN, NN the port's 1-based
    /// position in the list (hex). The device steers frames to this MAC to the port, and the packet
    /// policy's source-MAC rule checks the frames it sends against it.
    /// </summary>
    public string Mac { get; set; } = "";

    /// <summary>The default MAC of the port at <paramref name="position"/> (0-based) in the list.</summary>
    public static byte[] DefaultMac(int position) => [0x02, 0x4D, 0x56, 0x00, (byte)((position + 1) >> 8), (byte)(position + 1)];

    /// <summary>Parses "xx:xx:xx:xx:xx:xx"; null when malformed.</summary>
    public static byte[]? ParseMac(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 6)
        {
            return null;
        }
        var mac = new byte[6];
        for (int i = 0; i < 6; i++)
        {
            if (parts[i].Length != 2 || !byte.TryParse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out mac[i]))
            {
                return null;
            }
        }
        return mac;
    }

    /// <summary>The MAC in force for the port at <paramref name="position"/>.</summary>
    public byte[] ResolveMac(int position) => string.IsNullOrEmpty(Mac) ? DefaultMac(position) : ParseMac(Mac) ?? throw new FormatException($"MAC '{Mac}' is not xx:xx:xx:xx:xx:xx");

    /// <summary>Formats a MAC as lower-case "xx:xx:xx:xx:xx:xx".</summary>
    public static string Format(ReadOnlySpan<byte> mac) => string.Join(':', mac.ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    /// <summary>What is wrong with this entry, or null.</summary>
    public string? Validate(string where)
    {
        if (string.IsNullOrEmpty(Path) || !System.IO.Path.IsPathRooted(Path))
        {
            return $"{where}:Path '{Path}' must be an absolute path";
        }
        if (System.Text.Encoding.UTF8.GetByteCount(Path) > 107)
        {
            return $"{where}:Path is longer than the 107 bytes a Unix socket path may have";
        }
        if (!string.IsNullOrEmpty(Mac))
        {
            var mac = ParseMac(Mac);
            if (mac is null)
            {
                return $"{where}:Mac '{Mac}' is not xx:xx:xx:xx:xx:xx";
            }
            if ((mac[0] & 1) != 0 || mac.All(b => b == 0))
            {
                return $"{where}:Mac '{Mac}' must be a unicast, non-zero address";
            }
        }
        return null;
    }
}
