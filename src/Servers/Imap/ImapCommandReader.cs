using System.Buffers;
using System.Text;
using Protocols.Net;

namespace Protocols.Servers.Imap;

internal enum ImapReadKind
{
    /// <summary>A whole command was read and parsed (<see cref="ImapRead.Command"/>, which may be invalid).</summary>
    Command,

    /// <summary>A line too long or a literal too big: drained so the session keeps its place; answer BAD [TOOBIG].</summary>
    Refused,

    /// <summary>The peer closed the connection between commands.</summary>
    End,
}

internal readonly record struct ImapRead(ImapReadKind Kind, ImapParseResult Command, string? Tag = null, string? Error = null);

/// <summary>The peer broke the framing in a way that cannot be recovered (a literal too big to drain); the session says BYE.</summary>
internal sealed class ImapFramingException(string message) : Exception(message);

/// <summary>A command did not arrive whole within <see cref="ImapServerOptions.CommandTimeout"/>.</summary>
internal sealed class ImapCommandTimeoutException() : Exception("the command took too long to arrive");

/// <summary>
/// Reads one whole command: a line; while it ends with a literal announcement, the continuation request (for a
/// synchronizing literal), the literal's bytes in counted mode, and the next line. Every line is bounded by
/// <see cref="ImapServerOptions.MaxCommandLength"/>, every literal by <see cref="ImapServerOptions.MaxLiteralSize"/>
/// (<see cref="ImapServerOptions.MaxAppendSize"/> in APPEND), and the whole command by
/// <see cref="ImapServerOptions.CommandTimeout"/> once its first line is in.
/// </summary>
internal sealed class ImapCommandReader(Connection connection, ImapServerOptions options) : IDisposable
{
    private static readonly byte[] GoAhead = "+ Ready for literal data\r\n"u8.ToArray();

    private readonly MemoryStream _command = new();

    public async ValueTask<ImapRead> ReadAsync(CancellationToken cancellationToken)
    {
        _command.SetLength(0);
        var reader = connection.Reader;
        ReadOnlySequence<byte>? first;
        try
        {
            first = await reader.ReadLineAsync(options.MaxCommandLength, cancellationToken).ConfigureAwait(false);
        }
        catch (LineTooLongException)
        {
            return await RefuseLongLineAsync(null, cancellationToken).ConfigureAwait(false);
        }
        if (first is not { } line) return new ImapRead(ImapReadKind.End, default);
        using var deadline = new CancellationTokenSource(options.CommandTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await ReadRestAsync(line, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ImapCommandTimeoutException();
        }
    }

    private async ValueTask<ImapRead> ReadRestAsync(ReadOnlySequence<byte> line, CancellationToken cancellationToken)
    {
        var reader = connection.Reader;
        var isAppend = false;
        string? tag = null;
        var firstLine = true;
        long literalBytes = 0;
        while (true)
        {
            Append(line);
            if (firstLine)
            {
                (tag, isAppend) = PeekTagAndAppend(line);
                firstLine = false;
            }
            if (!ImapFraming.TryGetLiteral(line, out var size, out var nonSync)) break;
            var limit = isAppend ? options.MaxAppendSize : options.MaxLiteralSize;
            literalBytes += size;
            if (size > limit || literalBytes > limit)
            {
                var error = isAppend ? "the message is larger than the APPENDLIMIT of " + options.MaxAppendSize + " octets" : "a literal is larger than " + options.MaxLiteralSize + " octets";
                if (!nonSync) return new ImapRead(ImapReadKind.Refused, default, tag, error);
                await DrainNonSyncAsync(size, limit, cancellationToken).ConfigureAwait(false);
                return new ImapRead(ImapReadKind.Refused, default, tag, error);
            }
            if (!nonSync)
            {
                connection.Writer.Write(GoAhead);
                await connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            }
            var copied = await reader.CopyToAsync(_command, size, cancellationToken).ConfigureAwait(false);
            if (copied < size) throw new IOException("the connection closed inside a literal");
            ReadOnlySequence<byte>? next;
            try
            {
                next = await reader.ReadLineAsync(options.MaxCommandLength, cancellationToken).ConfigureAwait(false);
            }
            catch (LineTooLongException)
            {
                return await RefuseLongLineAsync(tag, cancellationToken).ConfigureAwait(false);
            }
            line = next ?? throw new IOException("the connection closed inside a command");
        }
        var bytes = new ReadOnlyMemory<byte>(_command.GetBuffer(), 0, (int)_command.Length);
        return new ImapRead(ImapReadKind.Command, ImapCommandParser.Parse(bytes), tag);
    }

    /// <summary>A LITERAL+ literal the server will not take still arrives: read past it and the rest of its line.</summary>
    private async ValueTask DrainNonSyncAsync(long size, long limit, CancellationToken cancellationToken)
    {
        // Draining costs reading; past twice the limit, hanging up is cheaper (RFC 7888 section 4 lets the server close).
        if (size > 2 * limit + 1024 * 1024) throw new ImapFramingException("a literal far larger than the server takes");
        var reader = connection.Reader;
        var drained = await reader.CopyToAsync(Stream.Null, size, cancellationToken).ConfigureAwait(false);
        if (drained < size) throw new IOException("the connection closed inside a literal");
        await reader.DiscardLineAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ImapRead> RefuseLongLineAsync(string? tag, CancellationToken cancellationToken)
    {
        await connection.Reader.DiscardLineAsync(cancellationToken).ConfigureAwait(false);
        return new ImapRead(ImapReadKind.Refused, default, tag, "a command line is longer than " + options.MaxCommandLength + " octets");
    }

    /// <summary>Reads one line of a continuation (AUTHENTICATE's response, IDLE's DONE) as text; null at end of stream.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = await connection.Reader.ReadLineAsync(options.MaxCommandLength, cancellationToken).ConfigureAwait(false);
        return line is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
    }

    private void Append(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line) _command.Write(segment.Span);
        _command.Write("\r\n"u8);
    }

    private static (string? Tag, bool IsAppend) PeekTagAndAppend(ReadOnlySequence<byte> line)
    {
        var head = line.Length > 64 ? line.Slice(0, 64) : line;
        var text = Encoding.ASCII.GetString(head.ToArray());
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0) return (null, false);
        var tag = text[..space];
        if (!tag.All(c => c < 0x80 && c != '+' && (ImapCommandParser.IsAtomChar((byte)c) || c == ']'))) return (null, false);
        var rest = text[(space + 1)..];
        return (tag, rest.StartsWith("APPEND ", StringComparison.OrdinalIgnoreCase));
    }

    public void Dispose() => _command.Dispose();
}
