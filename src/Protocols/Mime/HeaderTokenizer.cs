using System.Text;

namespace Protocols.Mime;

/// <summary>Lexes structured header text (RFC 5322 §3.2): whitespace, comments, quoted strings, atoms. Never throws.</summary>
internal sealed class HeaderTokenizer(string text, int position = 0)
{
    private const int MaxCommentDepth = 64;

    public string Text { get; } = text;

    public int Position { get; set; } = position;

    public bool AtEnd => Position >= Text.Length;

    public char Peek => Position < Text.Length ? Text[Position] : '\0';

    public bool PeekIs(char c) => Position < Text.Length && Text[Position] == c;

    public bool TryConsume(char c)
    {
        if (PeekIs(c))
        {
            Position++;
            return true;
        }

        return false;
    }

    /// <summary>Skips whitespace and comments; returns the text of the last comment seen, if any.</summary>
    public string? SkipCfws()
    {
        string? comment = null;
        while (Position < Text.Length)
        {
            var c = Text[Position];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                Position++;
            }
            else if (c == '(')
            {
                comment = ReadComment();
            }
            else
            {
                break;
            }
        }

        return comment;
    }

    private string ReadComment()
    {
        var depth = 0;
        var output = new StringBuilder();
        while (Position < Text.Length)
        {
            var c = Text[Position++];
            if (c == '\\' && Position < Text.Length)
            {
                output.Append(Text[Position++]);
                continue;
            }

            if (c == '(')
            {
                depth++;
                if (depth > 1 && depth <= MaxCommentDepth)
                {
                    output.Append(c);
                }

                continue;
            }

            if (c == ')')
            {
                depth--;
                if (depth == 0)
                {
                    break;
                }

                output.Append(c);
                continue;
            }

            output.Append(c);
        }

        return output.ToString().Trim();
    }

    /// <summary>Reads a quoted string (the opening quote must be next); unterminated strings run to the end.</summary>
    public string ReadQuotedString()
    {
        var output = new StringBuilder();
        Position++;
        while (Position < Text.Length)
        {
            var c = Text[Position++];
            if (c == '\\' && Position < Text.Length)
            {
                output.Append(Text[Position++]);
            }
            else if (c == '"')
            {
                break;
            }
            else if (c is '\r' or '\n')
            {
                continue;
            }
            else
            {
                output.Append(c);
            }
        }

        return output.ToString();
    }

    /// <summary>Reads an RFC 2045 token (used for media types and parameter names).</summary>
    public string ReadToken()
    {
        var start = Position;
        while (Position < Text.Length && ParameterList.IsTokenChar(Text[Position]))
        {
            Position++;
        }

        return Text[start..Position];
    }

    /// <summary>Reads an RFC 5322 atom (any text up to a special or whitespace; non-ASCII allowed, RFC 6532).</summary>
    public string ReadAtom(bool allowDot)
    {
        var start = Position;
        while (Position < Text.Length && IsAtomChar(Text[Position], allowDot))
        {
            Position++;
        }

        return Text[start..Position];
    }

    public static bool IsAtomChar(char c, bool allowDot) =>
        c > ' ' && c != 127 && (allowDot || c != '.') && "()<>[]:;@\\,\"".IndexOf(c, StringComparison.Ordinal) < 0;

    /// <summary>Reads a domain literal "[...]" (the bracket must be next).</summary>
    public string ReadDomainLiteral()
    {
        var start = Position;
        var end = Text.IndexOf(']', Position);
        Position = end < 0 ? Text.Length : end + 1;
        return Text[start..Position];
    }

    /// <summary>Reads raw text up to (not including) <paramref name="stop"/> or the end.</summary>
    public string ReadUntil(char stop)
    {
        var start = Position;
        var end = Text.IndexOf(stop, Position);
        Position = end < 0 ? Text.Length : end;
        return Text[start..Position];
    }

    /// <summary>Moves past the next <paramref name="c"/> outside quoted strings and comments; false at the end.</summary>
    public bool SkipTo(char c)
    {
        while (Position < Text.Length)
        {
            var ch = Text[Position];
            if (ch == c)
            {
                Position++;
                return true;
            }

            if (ch == '"')
            {
                ReadQuotedString();
            }
            else if (ch == '(')
            {
                ReadComment();
            }
            else
            {
                Position++;
            }
        }

        return false;
    }
}
