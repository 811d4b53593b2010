using System.Text;

namespace Protocols.Mime;

/// <summary>Parses RFC 5322 address lists (with obsolete forms and common breakage) into mailboxes. Never throws.</summary>
internal static class AddressParser
{
    private const int MaxMailboxes = 10000;

    /// <param name="text">An address header value.</param>
    /// <param name="clean">False when some entry was skipped as unparseable.</param>
    public static List<MailboxAddress> Parse(string text, out bool clean)
    {
        clean = true;
        var result = new List<MailboxAddress>();
        var tokenizer = new HeaderTokenizer(text);
        while (!tokenizer.AtEnd && result.Count < MaxMailboxes)
        {
            tokenizer.SkipCfws();
            if (tokenizer.AtEnd)
            {
                break;
            }

            if (tokenizer.TryConsume(',') || tokenizer.TryConsume(';'))
            {
                continue;
            }

            var start = tokenizer.Position;
            var mailbox = ParseMailbox(tokenizer);
            if (mailbox is not null)
            {
                result.Add(mailbox);
                continue;
            }

            if (tokenizer.TryConsume(':'))
            {
                // A group name ends with ':'; its members follow, up to ';'.
                continue;
            }

            // Not an address: skip to the next separator.
            clean = false;
            if (tokenizer.Position == start)
            {
                tokenizer.Position++;
            }

            while (!tokenizer.AtEnd && tokenizer.Peek is not ',' and not ';')
            {
                if (tokenizer.PeekIs('"'))
                {
                    tokenizer.ReadQuotedString();
                }
                else
                {
                    tokenizer.Position++;
                }
            }
        }

        return result;
    }

    private static MailboxAddress? ParseMailbox(HeaderTokenizer tokenizer)
    {
        var words = new List<string>();
        var comment = (string?)null;
        while (true)
        {
            comment = tokenizer.SkipCfws() ?? comment;
            if (tokenizer.AtEnd)
            {
                break;
            }

            if (tokenizer.PeekIs('"'))
            {
                words.Add(tokenizer.ReadQuotedString());
                continue;
            }

            var atom = tokenizer.ReadAtom(allowDot: true);
            if (atom.Length == 0)
            {
                break;
            }

            words.Add(atom);
        }

        if (tokenizer.PeekIs('<'))
        {
            tokenizer.Position++;
            var name = words.Count > 0 ? EncodedWords.Decode(string.Join(' ', words)) : null;
            var address = ParseAddrSpec(tokenizer, inAngle: true);
            tokenizer.SkipCfws();
            tokenizer.TryConsume('>');
            if (address is null)
            {
                return null;
            }

            return Create(name, address.Value.Local, address.Value.Domain);
        }

        if (tokenizer.PeekIs('@') && words.Count > 0)
        {
            tokenizer.Position++;
            var local = string.Join('.', words.Select(w => w.Trim('.')).Where(w => w.Length > 0));
            var domain = ParseDomain(tokenizer);
            var trailing = tokenizer.SkipCfws() ?? comment;
            return domain.Length == 0 ? null : Create(trailing is null ? null : EncodedWords.Decode(trailing), local, domain);
        }

        // A bare local part ("root") stands for a local mailbox when it is the whole entry.
        if (words.Count == 1 && (tokenizer.AtEnd || tokenizer.Peek is ',' or ';') && !words[0].Contains(' ', StringComparison.Ordinal))
        {
            return Create(comment, words[0], string.Empty);
        }

        return null;
    }

    private static (string Local, string Domain)? ParseAddrSpec(HeaderTokenizer tokenizer, bool inAngle)
    {
        tokenizer.SkipCfws();

        // Obsolete route: "<@a,@b:user@c>".
        if (tokenizer.PeekIs('@'))
        {
            // Bounded look-ahead: a route is short, and an unbounded search per '<@' would be quadratic.
            var window = Math.Min(512, tokenizer.Text.Length - tokenizer.Position);
            var colon = tokenizer.Text.IndexOf(':', tokenizer.Position, window);
            var close = tokenizer.Text.IndexOf('>', tokenizer.Position, window);
            if (colon > 0 && (close < 0 || colon < close))
            {
                tokenizer.Position = colon + 1;
            }
        }

        var local = new StringBuilder();
        while (!tokenizer.AtEnd)
        {
            tokenizer.SkipCfws();
            if (tokenizer.PeekIs('"'))
            {
                local.Append(tokenizer.ReadQuotedString());
            }
            else if (tokenizer.PeekIs('.'))
            {
                local.Append('.');
                tokenizer.Position++;
            }
            else
            {
                var atom = tokenizer.ReadAtom(allowDot: false);
                if (atom.Length == 0)
                {
                    break;
                }

                local.Append(atom);
            }
        }

        tokenizer.SkipCfws();
        if (local.Length == 0)
        {
            return null;
        }

        if (!tokenizer.TryConsume('@'))
        {
            // "<postmaster>" style: a local mailbox.
            return inAngle && tokenizer.PeekIs('>') ? (local.ToString(), string.Empty) : null;
        }

        var domain = ParseDomain(tokenizer);
        return domain.Length == 0 ? null : (local.ToString(), domain);
    }

    private static string ParseDomain(HeaderTokenizer tokenizer)
    {
        tokenizer.SkipCfws();
        if (tokenizer.PeekIs('['))
        {
            return tokenizer.ReadDomainLiteral();
        }

        var domain = new StringBuilder();
        while (!tokenizer.AtEnd)
        {
            var atom = tokenizer.ReadAtom(allowDot: true);
            if (atom.Length == 0)
            {
                break;
            }

            domain.Append(atom);
            var save = tokenizer.Position;
            tokenizer.SkipCfws();
            if (!tokenizer.PeekIs('.'))
            {
                tokenizer.Position = save;
                break;
            }
        }

        return domain.ToString().Trim('.');
    }

    private static MailboxAddress? Create(string? name, string local, string domain)
    {
        try
        {
            return new MailboxAddress(name, local, domain, validated: true);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
