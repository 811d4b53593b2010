using System.Buffers;

namespace Protocols.Net;

/// <summary>A framing parser: a pure function over buffered bytes, driven by <see cref="ConnectionReader.ReadAsync{TParser, TMessage}"/>.</summary>
public interface IMessageReader<TMessage>
{
    /// <summary>
    /// Returns true with the message and sets <paramref name="consumed"/> past it; returns false to ask for more
    /// bytes. <paramref name="examined"/> is informational.
    /// </summary>
    bool TryParseMessage(in ReadOnlySequence<byte> input, ref SequencePosition consumed, ref SequencePosition examined, out TMessage message);
}
