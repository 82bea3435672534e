using System.Globalization;

namespace Mediator.Policies;

/// <summary>Ethertype values and the spellings a policy may use for them.</summary>
public static class Ethertypes
{
    /// <summary>IPv4.</summary>
    public const ushort IPv4 = 0x0800;
    /// <summary>ARP.</summary>
    public const ushort Arp = 0x0806;
    /// <summary>802.1Q VLAN tag (C-tag).</summary>
    public const ushort Vlan = 0x8100;
    /// <summary>802.1ad service tag (S-tag).</summary>
    public const ushort QinQ = 0x88A8;
    /// <summary>IPv6.</summary>
    public const ushort IPv6 = 0x86DD;
    /// <summary>LLDP.</summary>
    public const ushort Lldp = 0x88CC;

    /// <summary>
    /// Parses "0x0800" (hex), "2048" (decimal) or a name (IPv4, ARP, IPv6, LLDP; any case). Values below
    /// 0x0600 are 802.3 lengths, not ethertypes, and the VLAN tag types are decided by the VLAN rule, so
    /// both are refused.
    /// </summary>
    public static bool TryParse(string? text, out ushort value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        text = text.Trim();
        ushort v;
        switch (text.ToUpperInvariant())
        {
            case "IPV4": v = IPv4; break;
            case "ARP": v = Arp; break;
            case "IPV6": v = IPv6; break;
            case "LLDP": v = Lldp; break;
            default:
                bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                    ? ushort.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v)
                    : ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out v);
                if (!ok)
                {
                    return false;
                }
                break;
        }
        if (v < 0x0600 || v == Vlan || v == QinQ)
        {
            return false;
        }
        value = v;
        return true;
    }
}
