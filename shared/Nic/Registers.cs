namespace Mediator.Nic;

/// <summary>
/// BAR0 register offsets of the modelled NIC, named and placed as in the Intel 82599 datasheet
/// (ixgbe). Only the registers the model implements are listed; docs/abi.md says where the model
/// deviates (it polls doorbells instead of trapping writes; interrupt cause is cleared by exchange).
/// All registers are 32-bit and little-endian.
/// </summary>
public static class Registers
{
    /// <summary>Bytes of BAR0.</summary>
    public const int Bar0Size = 0x20000;

    /// <summary>Device control.</summary>
    public const int CTRL = 0x00000;
    /// <summary>Device status (bit 1: link up in the model).</summary>
    public const int STATUS = 0x00008;

    /// <summary>Extended interrupt cause: one bit per MSI-X vector (0..31). Set by the device; cleared by the driver.</summary>
    public const int EICR = 0x00800;
    /// <summary>Extended interrupt mask: a vector raises MSI-X only while its bit is set here.</summary>
    public const int EIMS = 0x00880;

    /// <summary>Interrupt throttle of vector <paramref name="n"/> (0..23): bits 11:3 hold the minimum interval in 2 µs units.</summary>
    public static int EITR(int n) => 0x00820 + 4 * n;

    /// <summary>
    /// Interrupt vector allocation for queues 2n and 2n+1: bytes are RX(2n), TX(2n), RX(2n+1), TX(2n+1);
    /// in each byte bits 5:0 are the MSI-X vector and bit 7 says the entry is valid.
    /// </summary>
    public static int IVAR(int n) => 0x00900 + 4 * n;

    /// <summary>RX ring base address, low 32 bits (queue <paramref name="q"/>, 0..63).</summary>
    public static int RDBAL(int q) => 0x01000 + 0x40 * q;
    /// <summary>RX ring base address, high 32 bits.</summary>
    public static int RDBAH(int q) => 0x01004 + 0x40 * q;
    /// <summary>RX ring length in bytes (a multiple of 128).</summary>
    public static int RDLEN(int q) => 0x01008 + 0x40 * q;
    /// <summary>RX head: next descriptor the device fills (written by the device).</summary>
    public static int RDH(int q) => 0x01010 + 0x40 * q;
    /// <summary>RX tail: one past the last descriptor the driver armed (the RX doorbell).</summary>
    public static int RDT(int q) => 0x01018 + 0x40 * q;
    /// <summary>Split and replication receive control: bits 4:0 give the RX buffer size in 1 KiB units.</summary>
    public static int SRRCTL(int q) => 0x01014 + 0x40 * q;
    /// <summary>RX descriptor control: bit 25 enables the queue.</summary>
    public static int RXDCTL(int q) => 0x01028 + 0x40 * q;
    /// <summary>Per-queue good packets received.</summary>
    public static int QPRC(int q) => 0x01030 + 0x40 * q;

    /// <summary>TX ring base address, low 32 bits (queue <paramref name="q"/>, 0..63).</summary>
    public static int TDBAL(int q) => 0x06000 + 0x40 * q;
    /// <summary>TX ring base address, high 32 bits.</summary>
    public static int TDBAH(int q) => 0x06004 + 0x40 * q;
    /// <summary>TX ring length in bytes (a multiple of 128).</summary>
    public static int TDLEN(int q) => 0x06008 + 0x40 * q;
    /// <summary>TX head: next descriptor the device processes (written by the device).</summary>
    public static int TDH(int q) => 0x06010 + 0x40 * q;
    /// <summary>TX tail: one past the last descriptor the driver posted (the TX doorbell).</summary>
    public static int TDT(int q) => 0x06018 + 0x40 * q;
    /// <summary>TX descriptor control: bit 25 enables the queue.</summary>
    public static int TXDCTL(int q) => 0x06028 + 0x40 * q;
    /// <summary>Per-queue good packets transmitted (model placement: next to the queue's registers).</summary>
    public static int QPTC(int q) => 0x06030 + 0x40 * q;

    /// <summary>Missed packets: frames dropped because no RX descriptor was armed (RNBC in 82599 terms).</summary>
    public const int RNBC = 0x03FC0;
    /// <summary>Good packets received, all queues.</summary>
    public const int GPRC = 0x04074;
    /// <summary>Good packets transmitted, all queues.</summary>
    public const int GPTC = 0x04080;
    /// <summary>DMA faults: descriptors whose buffer address did not translate (model register).</summary>
    public const int DMAERR = 0x04100;

    /// <summary>Receive address low of filter <paramref name="n"/> (0..127): MAC bytes 0-3.</summary>
    public static int RAL(int n) => 0x0A200 + 8 * n;
    /// <summary>
    /// Receive address high of filter <paramref name="n"/>: bits 15:0 MAC bytes 4-5, bits 22:16 the RX
    /// queue frames to this MAC are steered to (model's stand-in for 82599 pool selection), bit 31 AV.
    /// </summary>
    public static int RAH(int n) => 0x0A204 + 8 * n;

    /// <summary>Queue enable bit of RXDCTL and TXDCTL.</summary>
    public const uint QueueEnable = 1u << 25;
    /// <summary>Address-valid bit of RAH.</summary>
    public const uint RahAddressValid = 1u << 31;
    /// <summary>Shift of the steering queue field in RAH.</summary>
    public const int RahQueueShift = 16;
    /// <summary>Valid bit of an IVAR byte.</summary>
    public const uint IvarValid = 0x80;

    /// <summary>Most queue pairs the model offers.</summary>
    public const int MaxQueues = 64;
    /// <summary>Most receive address filters.</summary>
    public const int MaxAddressFilters = 128;
    /// <summary>MSI-X vectors (entries in the MSI-X table).</summary>
    public const int MsixVectors = 64;
}
