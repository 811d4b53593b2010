using System.Buffers;
using MimeKit;

namespace Protocols.Servers.Imap;

/// <summary>
/// What FETCH needs of one message beyond its summary, computed once from MimeKit's parse and cached: the ENVELOPE,
/// BODYSTRUCTURE and BODY responses as bytes, and the offset tree that BODY[section] cuts by.
/// </summary>
internal sealed class MessageInfo
{
    private MessageInfo(byte[] envelope, byte[] bodyStructure, byte[] body, MessageNode tree, long size)
    {
        Envelope = envelope;
        BodyStructure = bodyStructure;
        Body = body;
        Tree = tree;
        Size = size;
    }

    public byte[] Envelope { get; }

    public byte[] BodyStructure { get; }

    public byte[] Body { get; }

    public MessageNode Tree { get; }

    public long Size { get; }

    /// <summary>Roughly what this costs held in a cache.</summary>
    public long Weight => Envelope.Length + BodyStructure.Length + Body.Length + 256;

    /// <summary>Parses raw message bytes (transiently in memory) and builds the info.</summary>
    public static MessageInfo Build(ReadOnlyMemory<byte> raw)
    {
        using var stream = new MemoryStream(raw.ToArray(), writable: false);
        var parser = new MimeParser(ParserOptions.Default, stream, MimeFormat.Entity, persistent: false);
        var offsets = new OffsetRecorder(parser);
        var message = parser.ParseMessage();
        var tree = offsets.Build(message, raw.Span);
        var buffer = new ArrayBufferWriter<byte>(1024);
        EnvelopeWriter.WriteEnvelope(new ImapResponse(buffer), message);
        var envelope = buffer.WrittenSpan.ToArray();
        buffer.ResetWrittenCount();
        WriteBody(new ImapResponse(buffer), message, tree, offsets, extensible: true);
        var structure = buffer.WrittenSpan.ToArray();
        buffer.ResetWrittenCount();
        WriteBody(new ImapResponse(buffer), message, tree, offsets, extensible: false);
        return new MessageInfo(envelope, structure, buffer.WrittenSpan.ToArray(), tree, raw.Length);
    }

    private static void WriteBody(ImapResponse w, MimeMessage message, MessageNode tree, OffsetRecorder offsets, bool extensible)
    {
        if (message.Body is { } body) BodyStructureWriter.Write(w, body, tree.Body, offsets, extensible);
        else w.Raw("(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0)");
    }
}
