using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Mediator.Abi;

namespace Mediator.Control;

/// <summary>
/// Encodes and decodes control messages: a <see cref="MessageHeader"/> then a fixed-size body
/// (little-endian, as the structs lie in memory on x86-64 and arm64). Decoding checks magic,
/// version, the length against the bytes received, and the exact body size of the type.
/// </summary>
public static class ControlCodec
{
    /// <summary>Longest message either side sends or accepts.</summary>
    public const int MaxMessageSize = 1024;

    /// <summary>Writes a message with body <paramref name="body"/>; returns its length.</summary>
    public static int Write<T>(Span<byte> buffer, MessageType type, uint requestId, in T body) where T : unmanaged
    {
        int length = MessageHeader.Size + Unsafe.SizeOf<T>();
        WriteHeader(buffer, type, requestId, length);
        MemoryMarshal.Write(buffer[MessageHeader.Size..], in body);
        return length;
    }

    /// <summary>Writes a header-only message; returns its length.</summary>
    public static int WriteEmpty(Span<byte> buffer, MessageType type, uint requestId)
    {
        WriteHeader(buffer, type, requestId, MessageHeader.Size);
        return MessageHeader.Size;
    }

    /// <summary>Writes an error reply with <paramref name="text"/> cut to <see cref="ErrorReply.MaxTextBytes"/>.</summary>
    public static int WriteError(Span<byte> buffer, uint requestId, ErrorCode code, MessageType failed, string text)
    {
        var body = new ErrorReply { Code = (uint)code, FailedType = (uint)failed };
        MemoryMarshal.Write(buffer[MessageHeader.Size..], in body);
        int start = MessageHeader.Size + Unsafe.SizeOf<ErrorReply>();
        int n = Utf8Prefix(text, buffer.Slice(start, ErrorReply.MaxTextBytes));
        int length = start + n;
        WriteHeader(buffer, MessageType.Error, requestId, length);
        return length;
    }

    /// <summary>Writes a stats reply carrying <paramref name="counters"/>.</summary>
    public static int WriteStats(Span<byte> buffer, uint requestId, uint queueId, ReadOnlySpan<ulong> counters)
    {
        int length = MessageHeader.Size + 8 + counters.Length * 8;
        WriteHeader(buffer, MessageType.StatsReply, requestId, length);
        MemoryMarshal.Write(buffer[MessageHeader.Size..], in queueId);
        uint count = (uint)counters.Length;
        MemoryMarshal.Write(buffer[(MessageHeader.Size + 4)..], in count);
        MemoryMarshal.AsBytes(counters).CopyTo(buffer[(MessageHeader.Size + 8)..]);
        return length;
    }

    /// <summary>
    /// Checks a received message's header. Returns <see cref="ErrorCode.None"/> and the header, or
    /// the reason it is malformed.
    /// </summary>
    public static ErrorCode TryReadHeader(ReadOnlySpan<byte> message, out MessageHeader header)
    {
        header = default;
        if (message.Length < MessageHeader.Size)
        {
            return ErrorCode.Malformed;
        }
        if (message.Length > MaxMessageSize)
        {
            return ErrorCode.TooLarge;
        }
        header = MemoryMarshal.Read<MessageHeader>(message);
        if (header.Magic != AbiVersion.ControlMagic)
        {
            return ErrorCode.Malformed;
        }
        if (header.Length != (uint)message.Length)
        {
            return ErrorCode.Malformed;
        }
        if (header.Version != AbiVersion.Current)
        {
            return ErrorCode.UnsupportedVersion;
        }
        return ErrorCode.None;
    }

    /// <summary>Reads a fixed-size body; false when the message is not exactly header + body.</summary>
    public static bool TryReadBody<T>(ReadOnlySpan<byte> message, out T body) where T : unmanaged
    {
        if (message.Length != MessageHeader.Size + Unsafe.SizeOf<T>())
        {
            body = default;
            return false;
        }
        body = MemoryMarshal.Read<T>(message[MessageHeader.Size..]);
        return true;
    }

    /// <summary>Reads an error reply's code and text.</summary>
    public static bool TryReadError(ReadOnlySpan<byte> message, out ErrorReply error, out string text)
    {
        int start = MessageHeader.Size + Unsafe.SizeOf<ErrorReply>();
        if (message.Length < start || message.Length > start + ErrorReply.MaxTextBytes)
        {
            error = default;
            text = "";
            return false;
        }
        error = MemoryMarshal.Read<ErrorReply>(message[MessageHeader.Size..]);
        text = Encoding.UTF8.GetString(message[start..]);
        return true;
    }

    /// <summary>Reads a stats reply's queue id and counters.</summary>
    public static bool TryReadStats(ReadOnlySpan<byte> message, out uint queueId, out ulong[] counters)
    {
        queueId = 0;
        counters = [];
        if (message.Length < MessageHeader.Size + 8)
        {
            return false;
        }
        queueId = MemoryMarshal.Read<uint>(message[MessageHeader.Size..]);
        uint count = MemoryMarshal.Read<uint>(message[(MessageHeader.Size + 4)..]);
        if (count > 256 || message.Length != MessageHeader.Size + 8 + (int)count * 8)
        {
            return false;
        }
        counters = MemoryMarshal.Cast<byte, ulong>(message[(MessageHeader.Size + 8)..]).ToArray();
        return true;
    }

    /// <summary>Encodes <paramref name="text"/> as UTF-8 into a NUL-padded fixed field, cutting at a character boundary.</summary>
    public static int Utf8Prefix(string text, Span<byte> destination)
    {
        destination.Clear();
        var encoder = Encoding.UTF8.GetEncoder();
        encoder.Convert(text, destination, flush: true, out _, out int written, out _);
        return written;
    }

    /// <summary>Decodes a NUL-padded UTF-8 field, replacing invalid bytes.</summary>
    public static string FromUtf8Field(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    private static void WriteHeader(Span<byte> buffer, MessageType type, uint requestId, int length)
    {
        var header = new MessageHeader
        {
            Magic = AbiVersion.ControlMagic,
            Version = AbiVersion.Current,
            Type = (ushort)type,
            Length = (uint)length,
            RequestId = requestId,
        };
        MemoryMarshal.Write(buffer, in header);
    }
}
