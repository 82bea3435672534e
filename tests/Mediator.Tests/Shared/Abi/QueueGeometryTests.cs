using Mediator.Abi;

namespace Mediator.Tests.Shared.Abi;

public class QueueGeometryTests
{
    [Fact]
    public void Default_geometry_is_valid() => Assert.Null(QueueGeometry.Default.Validate());

    [Theory]
    [InlineData(1000u)]
    [InlineData(1024u)]
    [InlineData(32768u)]
    public void Frame_size_must_be_a_power_of_two_in_range(uint frameSize)
    {
        var g = QueueGeometry.Default;
        g.FrameSize = frameSize;
        Assert.NotNull(g.Validate());
    }
}
