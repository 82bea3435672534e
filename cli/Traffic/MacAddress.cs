using System.Globalization;

namespace Mediator.Cli.Traffic;

/// <summary>Parsing and printing of 6-byte MAC addresses (aa:bb:cc:dd:ee:ff).</summary>
internal static class MacAddress
{
    public static string Format(ReadOnlySpan<byte> mac) =>
        string.Join(':', mac.ToArray().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    public static byte[] Parse(string text)
    {
        string[] parts = text.Split(':', '-');
        if (parts.Length != 6)
        {
            throw new FormatException($"'{text}' is not a MAC address (expected six hex bytes like 02:4d:44:00:00:01)");
        }
        var mac = new byte[6];
        for (int i = 0; i < 6; i++)
        {
            if (!byte.TryParse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out mac[i]))
            {
                throw new FormatException($"'{text}' is not a MAC address: '{parts[i]}' is not a hex byte");
            }
        }
        return mac;
    }
}
