using System.Buffers.Binary;
using System.Globalization;
using Mediator.Nic;

namespace Mediator.Broker.Device;

/// <summary>
/// MAC addresses as the model packs them: a ulong holding byte 0 of the address in bits 7:0 up to
/// byte 5 in bits 47:40, so that RAL is the low 32 bits and RAH[15:0] the next 16 (82599 layout).
/// </summary>
public static class MacAddress
{
    /// <summary>ff:ff:ff:ff:ff:ff.</summary>
    public const ulong Broadcast = MacFilterTable.Broadcast;

    /// <summary>Parses "aa:bb:cc:dd:ee:ff".</summary>
    public static ulong Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(':');
        if (parts.Length != 6)
        {
            throw new FormatException($"not a MAC address: '{text}'");
        }
        ulong mac = 0;
        for (int i = 0; i < 6; i++)
        {
            // TryParse: an out-of-range part ("100") is a malformed address too (FormatException, not Overflow).
            if (!byte.TryParse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b))
            {
                throw new FormatException($"not a MAC address: '{text}'");
            }
            mac |= (ulong)b << (8 * i);
        }
        return mac;
    }

    /// <summary>Writes the 6 bytes of <paramref name="mac"/> to <paramref name="destination"/>.</summary>
    public static void Write(ulong mac, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)mac);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], (ushort)(mac >> 32));
    }

    /// <summary>Reads 6 bytes as a packed MAC.</summary>
    public static ulong Read(ReadOnlySpan<byte> source) => MacFilterTable.DestinationOf(source);

    /// <summary>The RAL value for <paramref name="mac"/>.</summary>
    public static uint Ral(ulong mac) => (uint)mac;

    /// <summary>The RAH value for <paramref name="mac"/> steered to <paramref name="queue"/>, address valid.</summary>
    public static uint Rah(ulong mac, int queue) =>
        (uint)((mac >> 32) & 0xFFFF) | ((uint)(queue & 0x7F) << Registers.RahQueueShift) | Registers.RahAddressValid;

    /// <summary>"aa:bb:cc:dd:ee:ff".</summary>
    public static string Format(ulong mac) => string.Create(CultureInfo.InvariantCulture,
        $"{(byte)mac:x2}:{(byte)(mac >> 8):x2}:{(byte)(mac >> 16):x2}:{(byte)(mac >> 24):x2}:{(byte)(mac >> 32):x2}:{(byte)(mac >> 40):x2}");
}
