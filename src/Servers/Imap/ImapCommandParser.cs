using System.Text;

namespace Protocols.Servers.Imap;

/// <summary>The outcome of <see cref="ImapCommandParser.Parse"/>.</summary>
internal enum ImapParseStatus
{
    Complete,

    /// <summary>The bytes end before the command does (a prefix of a valid command).</summary>
    Incomplete,

    /// <summary>Not a command; <see cref="ImapParseResult.Error"/> says why and <see cref="ImapParseResult.Tag"/> holds the tag if one was read.</summary>
    Invalid,
}

internal readonly record struct ImapParseResult(ImapParseStatus Status, ImapCommand? Command, int Consumed, string? Error, string? Tag);

/// <summary>
/// Parses one whole IMAP command (RFC 9051 section 9) as it came off the wire: <c>tag SP name [SP args] CRLF</c>, where
/// a literal <c>{n}</c> or <c>{n+}</c> at the end of a line is followed by its CRLF and n bytes. A pure function over
/// bytes: any prefix of a command is <see cref="ImapParseStatus.Incomplete"/>, never an error or a throw.
/// Arguments come out as a tree of atoms, strings and lists; each command's handler gives them meaning.
/// </summary>
internal static class ImapCommandParser
{
    /// <summary>Deepest nesting of parenthesized lists accepted (SEARCH nests them); deeper is invalid.</summary>
    public const int MaxDepth = 32;

    public static ImapParseResult Parse(ReadOnlyMemory<byte> input)
    {
        var p = new Cursor(input);
        var tagStart = p.Position;
        while (!p.AtEnd && IsTagChar(p.Peek)) p.Position++;
        if (p.AtEnd) return Incomplete();
        if (p.Position == tagStart) return Invalid("a command starts with a tag", null);
        var tag = Encoding.ASCII.GetString(p.Slice(tagStart));
        if (p.Peek != (byte)' ') return Invalid(p.Peek is (byte)'\r' or (byte)'\n' ? "a command name is missing" : "a tag has only atom characters", p.Peek is (byte)'\r' ? tag : null);
        p.Position++;
        var nameStart = p.Position;
        while (!p.AtEnd && IsAtomChar(p.Peek)) p.Position++;
        if (p.AtEnd) return Incomplete();
        if (p.Position == nameStart) return Invalid("a command name is missing", tag);
        var name = Encoding.ASCII.GetString(p.Slice(nameStart)).ToUpperInvariant();
        var args = new List<ImapValue>();
        var status = ParseSequence(ref p, args, closing: 0, depth: 0, out var error);
        if (status == ImapParseStatus.Incomplete) return Incomplete();
        if (status == ImapParseStatus.Invalid) return Invalid(error!, tag);
        if (name == "UID")
        {
            if (args.Count == 0 || args[0].Kind != ImapValueKind.Atom) return Invalid("UID needs a command", tag);
            name = "UID " + args[0].Text.ToUpperInvariant();
            args.RemoveAt(0);
        }
        return new ImapParseResult(ImapParseStatus.Complete, new ImapCommand(tag, name, args), p.Position, null, tag);
    }

    private static ImapParseResult Incomplete() => new(ImapParseStatus.Incomplete, null, 0, null, null);

    private static ImapParseResult Invalid(string error, string? tag) => new(ImapParseStatus.Invalid, null, 0, error, tag);

    /// <summary>Values separated by one SP until CRLF (closing 0) or ')' (closing ')'), which is consumed.</summary>
    private static ImapParseStatus ParseSequence(ref Cursor p, List<ImapValue> into, byte closing, int depth, out string? error)
    {
        error = null;
        var first = true;
        while (true)
        {
            if (p.AtEnd) return ImapParseStatus.Incomplete;
            var c = p.Peek;
            if (closing == 0 && c == (byte)'\r')
            {
                if (p.Remaining < 2) return ImapParseStatus.Incomplete;
                if (p.At(1) != (byte)'\n') return Fail("a bare CR", out error);
                p.Position += 2;
                return ImapParseStatus.Complete;
            }
            if (closing == 0 && c == (byte)'\n') return Fail("a bare LF where CRLF ends the command", out error);
            if (closing != 0 && c == closing)
            {
                p.Position++;
                return ImapParseStatus.Complete;
            }
            if (closing == 0 || !first)
            {
                if (c != (byte)' ') return Fail("arguments are separated by one space", out error);
                p.Position++;
                if (p.AtEnd) return ImapParseStatus.Incomplete;
            }
            first = false;
            var status = ParseValue(ref p, depth, out var value, out error);
            if (status != ImapParseStatus.Complete) return status;
            into.Add(value!);
        }
    }

    private static ImapParseStatus ParseValue(ref Cursor p, int depth, out ImapValue? value, out string? error)
    {
        value = null;
        error = null;
        var c = p.Peek;
        switch (c)
        {
            case (byte)'(':
            {
                if (depth >= MaxDepth) return Fail("lists nested too deeply", out error);
                p.Position++;
                var items = new List<ImapValue>();
                var status = ParseSequence(ref p, items, (byte)')', depth + 1, out error);
                if (status == ImapParseStatus.Complete) value = ImapValue.List(items);
                return status;
            }
            case (byte)'"':
                return ParseQuoted(ref p, out value, out error);
            case (byte)'{':
                return ParseLiteral(ref p, out value, out error);
            default:
                return ParseAtom(ref p, out value, out error);
        }
    }

    private static ImapParseStatus ParseQuoted(ref Cursor p, out ImapValue? value, out string? error)
    {
        value = null;
        error = null;
        p.Position++;
        var start = p.Position;
        var escapes = 0;
        while (true)
        {
            if (p.AtEnd) return ImapParseStatus.Incomplete;
            var c = p.Peek;
            if (c == (byte)'"') break;
            if (c is (byte)'\r' or (byte)'\n' or 0) return Fail("a quoted string holds no CR, LF or NUL", out error);
            if (c == (byte)'\\')
            {
                if (p.Remaining < 2) return ImapParseStatus.Incomplete;
                if (p.At(1) is not ((byte)'\\' or (byte)'"')) return Fail("only \\\\ and \\\" are escapes in a quoted string", out error);
                escapes++;
                p.Position += 2;
                continue;
            }
            p.Position++;
        }
        var raw = p.SliceMemory(start);
        p.Position++;
        if (escapes == 0)
        {
            value = ImapValue.Quoted(raw);
            return ImapParseStatus.Complete;
        }
        var unescaped = new byte[raw.Length - escapes];
        var n = 0;
        var span = raw.Span;
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] == (byte)'\\') i++;
            unescaped[n++] = span[i];
        }
        value = ImapValue.Quoted(unescaped);
        return ImapParseStatus.Complete;
    }

    private static ImapParseStatus ParseLiteral(ref Cursor p, out ImapValue? value, out string? error)
    {
        value = null;
        error = null;
        p.Position++;
        long count = 0;
        var digits = 0;
        while (!p.AtEnd && p.Peek is >= (byte)'0' and <= (byte)'9')
        {
            count = count * 10 + (p.Peek - '0');
            if (++digits > 10 || count > int.MaxValue) return Fail("a literal's size is too large", out error);
            p.Position++;
        }
        if (p.AtEnd) return ImapParseStatus.Incomplete;
        if (digits == 0) return Fail("a literal's size is a number", out error);
        if (p.Peek == (byte)'+')
        {
            p.Position++;
            if (p.AtEnd) return ImapParseStatus.Incomplete;
        }
        if (p.Peek != (byte)'}') return Fail("a literal's size ends with }", out error);
        p.Position++;
        if (p.Remaining < 2) return ImapParseStatus.Incomplete;
        if (p.Peek != (byte)'\r' || p.At(1) != (byte)'\n') return Fail("a literal's size ends its line", out error);
        p.Position += 2;
        if (p.Remaining < count) return ImapParseStatus.Incomplete;
        value = ImapValue.Literal(p.Memory.Slice(p.Position, (int)count));
        p.Position += (int)count;
        return ImapParseStatus.Complete;
    }

    /// <summary>An atom; a '[' in it opens a section that runs to its ']' and may hold spaces, lists and quoted strings.</summary>
    private static ImapParseStatus ParseAtom(ref Cursor p, out ImapValue? value, out string? error)
    {
        value = null;
        error = null;
        var start = p.Position;
        var inSection = false;
        var inQuote = false;
        while (true)
        {
            if (p.AtEnd) return ImapParseStatus.Incomplete;
            var c = p.Peek;
            if (inQuote)
            {
                if (c is (byte)'\r' or (byte)'\n') return Fail("a quoted string holds no CR or LF", out error);
                if (c == (byte)'\\') p.Position++;
                else if (c == (byte)'"') inQuote = false;
                p.Position++;
                continue;
            }
            if (inSection)
            {
                if (c is (byte)'\r' or (byte)'\n' || c >= 0x7f || c < 0x20) return Fail("a section ends with ]", out error);
                if (c == (byte)'"') inQuote = true;
                else if (c == (byte)']') inSection = false;
                p.Position++;
                continue;
            }
            if (c == (byte)'[')
            {
                inSection = true;
                p.Position++;
                continue;
            }
            if (c is (byte)' ' or (byte)')' or (byte)'\r' or (byte)'\n') break;
            if (!IsAtomChar(c) && c is not ((byte)'%' or (byte)'*' or (byte)'\\' or (byte)']'))
                return Fail(c >= 0x80 ? "8-bit bytes belong in a quoted string or a literal" : "not an atom character: " + (char)c, out error);
            p.Position++;
        }
        if (p.Position == start) return Fail("an argument is missing", out error);
        value = ImapValue.Atom(Encoding.ASCII.GetString(p.Slice(start)));
        return ImapParseStatus.Complete;
    }

    private static ImapParseStatus Fail(string message, out string? error)
    {
        error = message;
        return ImapParseStatus.Invalid;
    }

    /// <summary>ATOM-CHAR (RFC 9051): CHAR except atom-specials: ( ) { SP CTL % * " \ ].</summary>
    internal static bool IsAtomChar(byte c) =>
        c is > 0x20 and < 0x7f and not ((byte)'(' or (byte)')' or (byte)'{' or (byte)'%' or (byte)'*' or (byte)'"' or (byte)'\\' or (byte)']');

    /// <summary>A tag: ASTRING-CHAR except '+' (so ']' is allowed).</summary>
    private static bool IsTagChar(byte c) => c != (byte)'+' && (IsAtomChar(c) || c == (byte)']');

    private struct Cursor(ReadOnlyMemory<byte> memory)
    {
        public readonly ReadOnlyMemory<byte> Memory = memory;
        public int Position;

        public readonly bool AtEnd => Position >= Memory.Length;

        public readonly int Remaining => Memory.Length - Position;

        public readonly byte Peek => Memory.Span[Position];

        public readonly byte At(int offset) => Memory.Span[Position + offset];

        public readonly ReadOnlySpan<byte> Slice(int start) => Memory.Span[start..Position];

        public readonly ReadOnlyMemory<byte> SliceMemory(int start) => Memory[start..Position];
    }
}
