using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Mediator.Nic;

namespace Mediator.Tests.Shared.Nic;

/// <summary>The descriptor helpers produce the 82599 bit patterns docs/abi.md section 10 describes.</summary>
public class DescriptorTests
{
    [Fact]
    public void Tx_descriptor_for_a_frame_is_an_advanced_data_descriptor_with_report_status()
    {
        var d = TxDescriptor.ForFrame(0x1234_5678_9ABC, 60);
        var bytes = MemoryMarshal.AsBytes(new ReadOnlySpan<TxDescriptor>(ref d));
        Assert.Equal(0x1234_5678_9ABCUL, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        uint cmdTypeLen = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        Assert.Equal(60u, cmdTypeLen & 0xFFFF);                 // DTALEN
        Assert.Equal(0b0011u, (cmdTypeLen >> 20) & 0xF);        // DTYP: advanced data
        Assert.Equal(0b0010_1011u, cmdTypeLen >> 24);           // DCMD: DEXT | RS | IFCS | EOP
        Assert.Equal(60u, BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]) >> 14); // PAYLEN
        Assert.Equal(0u, d.OlinfoStatus & TxDescriptor.StatusDd);
    }

    [Fact]
    public void Rx_write_back_fields_overlay_the_read_format()
    {
        var d = RxDescriptor.ForBuffer(0xABCD_0000);
        Assert.Equal(0UL, d.HeaderBufferAddress);
        Assert.Equal(0u, d.WbStatusError & RxDescriptor.StatusDd); // DD lands on bit 0 of the header address
        d.WbStatusError = RxDescriptor.StatusDd | RxDescriptor.StatusEop;
        d.WbLength = 1514;
        Assert.Equal(3UL, d.HeaderBufferAddress & 0xFFFF_FFFF);
        Assert.Equal(1514UL, d.HeaderBufferAddress >> 32 & 0xFFFF);
    }

    [Fact]
    public void Msix_address_joins_high_and_low()
    {
        var e = new MsixEntry { MessageAddressLow = 0xFEE0_0000, MessageAddressHigh = 0x1 };
        Assert.Equal(0x1_FEE0_0000UL, e.Address);
        Assert.Equal(64 * 16, MsixEntry.TableSize);
    }

    [Fact]
    public void Per_queue_registers_of_the_last_queue_stay_inside_bar0()
    {
        int last = Registers.MaxQueues - 1;
        Assert.True(Registers.QPTC(last) + 4 <= Registers.Bar0Size);
        Assert.True(Registers.RAH(Registers.MaxAddressFilters - 1) + 4 <= Registers.Bar0Size);
        // RX and TX register blocks of all 64 queues do not run into each other.
        Assert.True(Registers.QPRC(last) < Registers.RNBC);
        Assert.True(Registers.QPTC(last) < Registers.RAL(0));
    }
}
