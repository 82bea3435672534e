namespace Mediator.Broker.Vhost;

/// <summary>One buffer of a validated descriptor chain: where it is in the broker's mapping of guest memory, and its length.</summary>
internal readonly unsafe struct ChainSegment(byte* host, uint length)
{
    /// <summary>The buffer's first byte, inside one region.</summary>
    public byte* Host { get; } = host;

    /// <summary>Bytes of the buffer.</summary>
    public uint Length { get; } = length;
}
