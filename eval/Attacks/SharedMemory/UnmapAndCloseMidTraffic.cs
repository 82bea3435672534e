namespace Mediator.Eval.Attacks.SharedMemory;

/// <summary>Posts a full ring of TX requests and RX buffers, then at once unmaps its UMEM and both areas and closes every descriptor, keeping the connection open.</summary>
/// <remarks>Mitigation: The broker holds its own mappings of every memfd for the queue's life; the client's unmap and close change only the client's address space.</remarks>
public sealed class UnmapAndCloseMidTraffic : Attack
{
    /// <inheritdoc />
    public override string Name => "UnmapAndCloseMidTraffic";
    /// <inheritdoc />
    public override AttackFamily Family => AttackFamily.SharedMemory;
    /// <inheritdoc />
    public override string Description => "Posts a full ring of TX requests and RX buffers, then at once unmaps its UMEM and both areas and closes every descriptor, keeping the connection open.";
    /// <inheritdoc />
    public override string Mitigation => "The broker holds its own mappings of every memfd for the queue's life; the client's unmap and close change only the client's address space.";

    /// <inheritdoc />
    public override void Run(AttackContext context)
    {
        context.ExpectAny(Control.QueueCounter.RefusedFrameNotOwned); // it re-sends frames still in flight: its own mistake, refused
        var q = context.OpenQueue();
        using var client = q.Client;
        uint f = q.Geometry.FrameSize;
        q.WriteFrame(0, 64);
        q.PostFill([.. Enumerable.Range(300, 512).Select(i => (ulong)i * f)]);
        for (int i = 0; i < 512; i++)
        {
            ulong offset = (ulong)(i % 256) * f;
            q.WriteFrame(offset, 64);
        }
        q.PostTx([.. Enumerable.Range(0, 512).Select(i => new Abi.TxRequest { Offset = (ulong)(i % 256) * f, Length = 64 })], Environment.TickCount64 + 200);
        uint queueId = q.QueueId;
        q.Dispose(); // munmap + close, requests in flight
        while (context.Running)
        {
            Thread.Yield();
        }
        var stats = client.Stats(queueId);
        context.Note($"after unmapping: broker counted {stats?[(int)Control.QueueCounter.TxSent]} sent, {stats?[(int)Control.QueueCounter.RxDelivered]} delivered into memory only it still maps");
    }
}
