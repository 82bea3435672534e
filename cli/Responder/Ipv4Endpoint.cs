using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mediator.Cli.Responder;

/// <summary>An IPv4 address with its prefix length, parsed from "10.77.0.2/24" (the prefix defaults to 32).</summary>
internal sealed record Ipv4Endpoint(IPAddress Address, int PrefixLength)
{
    public byte[] Bytes => Address.GetAddressBytes();

    public static Ipv4Endpoint Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length > 2 || !IPAddress.TryParse(parts[0], out var address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new FormatException($"'{text}' is not an IPv4 address like 10.77.0.2/24");
        }
        int prefix = 32;
        if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix is < 1 or > 32))
        {
            throw new FormatException($"'{text}': the prefix length must be 1 to 32");
        }
        return new Ipv4Endpoint(address, prefix);
    }

    public override string ToString() => $"{Address}/{PrefixLength}";
}
