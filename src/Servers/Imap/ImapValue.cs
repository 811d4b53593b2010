using System.Text;

namespace Protocols.Servers.Imap;

/// <summary>What an <see cref="ImapValue"/> is on the wire.</summary>
internal enum ImapValueKind
{
    /// <summary>An atom, a number, a flag (<c>\Seen</c>), a sequence set, or a FETCH item with its section (<c>BODY[1.MIME]&lt;0.10&gt;</c>).</summary>
    Atom,

    /// <summary>A quoted string.</summary>
    Quoted,

    /// <summary>A literal, <c>{n}</c> or LITERAL+ <c>{n+}</c>, with its bytes.</summary>
    Literal,

    /// <summary>A parenthesized list.</summary>
    List,
}

/// <summary>One argument of a parsed command: an atom, a string (quoted or literal), or a list of values.</summary>
internal sealed class ImapValue
{
    private string? _text;

    private ImapValue(ImapValueKind kind, string? text, ReadOnlyMemory<byte> bytes, IReadOnlyList<ImapValue>? items)
    {
        Kind = kind;
        _text = text;
        Bytes = bytes;
        Items = items ?? [];
    }

    public ImapValueKind Kind { get; }

    /// <summary>The bytes of a string (quoted, unescaped, or literal).</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The items of a list.</summary>
    public IReadOnlyList<ImapValue> Items { get; }

    /// <summary>An atom's text, or a string decoded as UTF-8; empty for a list.</summary>
    public string Text => _text ??= Kind == ImapValueKind.List ? "" : Encoding.UTF8.GetString(Bytes.Span);

    public bool IsString => Kind is ImapValueKind.Quoted or ImapValueKind.Literal;

    /// <summary>An astring (atom or string), as most arguments are.</summary>
    public bool IsAString => Kind != ImapValueKind.List;

    public bool IsNil => Kind == ImapValueKind.Atom && Text.Equals("NIL", StringComparison.OrdinalIgnoreCase);

    public static ImapValue Atom(string text) => new(ImapValueKind.Atom, text, default, null);

    public static ImapValue Quoted(ReadOnlyMemory<byte> bytes) => new(ImapValueKind.Quoted, null, bytes, null);

    public static ImapValue Literal(ReadOnlyMemory<byte> bytes) => new(ImapValueKind.Literal, null, bytes, null);

    public static ImapValue List(IReadOnlyList<ImapValue> items) => new(ImapValueKind.List, null, default, items);

    public override string ToString() => Kind switch
    {
        ImapValueKind.Atom => Text,
        ImapValueKind.Quoted => "\"" + Text + "\"",
        ImapValueKind.Literal => "{" + Bytes.Length + "}" + Text,
        _ => "(" + string.Join(' ', Items) + ")",
    };
}

/// <summary>A parsed command: tag, name (upper case; <c>UID FETCH</c> for UID commands) and arguments.</summary>
internal sealed record ImapCommand(string Tag, string Name, IReadOnlyList<ImapValue> Arguments);
