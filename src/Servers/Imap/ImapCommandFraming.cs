using System.Buffers;
using Protocols.Net;
using Protocols.Servers.Lines;

namespace Protocols.Servers.Imap;

/// <summary>
/// IMAP's framing on the kernel's loop (<see cref="ICommandFraming"/>): a command is lines joined by literals. A line
/// ending in <c>{n}</c> asks once for a continuation (<c>+ Ready</c>) and waits for the n bytes, <c>{n+}</c> (LITERAL+,
/// RFC 7888) never asks; scanning goes on after the literal. The frame is the whole command, literals included.
/// Two cases stop at the literal's line and leave the bytes to the handler: APPEND (the message may be megabytes:
/// the handler streams it out of the receive buffer under the transfer limits), and a literal past
/// <see cref="ImapServerOptions.MaxLiteralSize"/> or the command limit (the handler answers <c>BAD [TOOBIG]</c> and
/// skips a LITERAL+ literal, so its bytes are never read as commands).
/// </summary>
internal sealed class ImapCommandFraming(ImapServerOptions options) : ICommandFraming
{
    private static readonly byte[] Continuation = "+ Ready for literal data\r\n"u8.ToArray();

    private long _scanned;
    private long _askedFor = -1;
    private bool? _isAppend;

    public int MaxLength => options.MaxCommandLength;

    public ReadOnlyMemory<byte> ContinuationRequest => Continuation;

    public FrameStatus TryReadFrame(in ReadOnlySequence<byte> input, out ReadOnlySequence<byte> frame, out SequencePosition consumed)
    {
        frame = default;
        consumed = default;
        while (true)
        {
            var rest = input.Slice(_scanned);
            var room = MaxLength - _scanned;
            if (room <= 0) return FrameStatus.TooLong;
            var cut = rest.Length > room ? rest.Slice(0, room) : rest;
            if (cut.PositionOf((byte)'\n') is not { } lf) return rest.Length >= room ? FrameStatus.TooLong : FrameStatus.Incomplete;
            var line = rest.Slice(0, lf);
            var lineEnd = _scanned + line.Length + 1;
            if (line.Length == 0 || line.Slice(line.Length - 1).FirstSpan[0] != (byte)'\r')
                throw new ProtocolException("a bare LF where a CRLF line end was expected");
            var content = line.Slice(0, line.Length - 1);
            _isAppend ??= IsAppend(content);
            if (!ImapFraming.TryGetLiteral(content, out var count, out var nonSync)
                || _isAppend == true || count > options.MaxLiteralSize || lineEnd + count > MaxLength)
            {
                frame = input.Slice(0, lineEnd - 2);
                consumed = input.GetPosition(lineEnd);
                return FrameStatus.Complete;
            }
            if (input.Length < lineEnd + count)
            {
                if (nonSync || _askedFor == lineEnd) return FrameStatus.Incomplete;
                _askedFor = lineEnd;
                return FrameStatus.Continue;
            }
            _scanned = lineEnd + count;
        }
    }

    /// <summary>Whether the first line is <c>tag APPEND ...</c>.</summary>
    private static bool IsAppend(ReadOnlySequence<byte> line)
    {
        Span<byte> head = stackalloc byte[Math.Min(80, (int)line.Length)];
        line.Slice(0, head.Length).CopyTo(head);
        var space = head.IndexOf((byte)' ');
        if (space < 0) return false;
        var rest = head[(space + 1)..];
        return rest.Length >= 7 && System.Text.Ascii.EqualsIgnoreCase(rest[..7], "APPEND "u8);
    }

    public void Reset()
    {
        _scanned = 0;
        _askedFor = -1;
        _isAppend = null;
    }
}
