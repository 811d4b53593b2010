using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using Protocols.Servers.Smtp;

namespace Protocols.Servers.Mail;

/// <summary>
/// What the store keeps of a message besides its bytes, made once at append (on the appending thread, so parsing
/// runs in parallel with other sessions): the summary fields and the text the full-text index gets.
/// </summary>
internal sealed partial record MailDigest(string? From, string? To, string? Cc, string? Subject, string? Date, bool HasHtml,
    int AttachmentCount, string Addresses, string Text)
{
    /// <summary>Most bytes of decoded body text indexed per message (the rest is stored, not searchable).</summary>
    public const int MaxIndexedText = 64 * 1024;

    /// <summary>The digest of a message in memory: a plain single-part one read directly (<see cref="PlainDigest"/>: the
    /// same digest without MimeKit's objects), any other parsed by MimeKit (<see cref="Parse"/>).</summary>
    public static MailDigest Create(ReadOnlyMemory<byte> raw, string envelopeFrom, IReadOnlyList<string> envelopeTo)
    {
        if (raw.Length <= MailParser.MaxParsedSize && PlainDigest.TryRead(raw.Span, out var from, out var to, out var cc, out var subject, out var date, out var text))
        {
            var envelope = envelopeFrom + " " + string.Join(' ', envelopeTo);
            return new MailDigest(from, to, cc, subject, date, false, 0, string.Join(' ', envelope, from, to, cc), text);
        }
        return Parse(raw, envelopeFrom, envelopeTo);
    }

    /// <summary>The digest through MimeKit's parse, for every message (what <see cref="PlainDigest"/> must equal).</summary>
    internal static MailDigest Parse(ReadOnlyMemory<byte> raw, string envelopeFrom, IReadOnlyList<string> envelopeTo) =>
        Create(() => MailParser.Load(raw), () => Encoding.UTF8.GetString(raw.Span[..Math.Min(raw.Length, MaxIndexedText)]), envelopeFrom, envelopeTo);

    /// <summary>The digest of a message in memory or spooled to a file: a spooled one is parsed from its file (parts point
    /// into the file; only the first <see cref="MaxIndexedText"/> bytes of its text are decoded), never loaded whole.</summary>
    public static MailDigest Create(MessageContent content, string envelopeFrom, IReadOnlyList<string> envelopeTo)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!content.IsSpooled) return Create(content.Memory, envelopeFrom, envelopeTo);
        using var stream = content.OpenRead();
        return Create(() => MailParser.Load(stream), () => Head(stream), envelopeFrom, envelopeTo);
    }

    private static MailDigest Create(Func<MimeMessage> load, Func<string> head, string envelopeFrom, IReadOnlyList<string> envelopeTo)
    {
        var envelope = envelopeFrom + " " + string.Join(' ', envelopeTo);
        MimeMessage message;
        try
        {
            message = load();
        }
        catch (Exception e) when (e is FormatException or MessageTooLargeToParseException)
        {
            // Over a parser limit: keep it, searchable by envelope and by the first of its text.
            return new MailDigest(null, null, null, "(unparsable: " + e.Message + ")", null, false, 0, envelope, head());
        }
        static string? Addresses(InternetAddressList list) => list.Count == 0 ? null : string.Join(", ", list.Select(Show));
        var from = Addresses(message.From);
        var to = Addresses(message.To);
        var cc = Addresses(message.Cc);
        // Walk the parts without decoding whole bodies: a 10 MB message costs the first 64 KiB of its text, not 10 MB
        // of strings (the parse itself is persistent: parts point into the received bytes).
        TextPart? plain = null, html = null;
        var attachments = 0;
        foreach (var part in message.BodyParts.OfType<MimePart>())
        {
            if (part.IsAttachment) attachments++;
            else if (part is TextPart text && text.IsPlain) plain ??= text;
            else if (part is TextPart markup && markup.IsHtml) html ??= markup;
        }
        var body = plain is not null ? Head(plain) : html is not null ? Tags().Replace(Head(html), " ") : "";
        return new MailDigest(from, to, cc, message.Subject, message.Headers["Date"], html is not null, attachments,
            string.Join(' ', envelope, from, to, cc), body);
    }

    /// <summary>The text of the first <see cref="MaxIndexedText"/> decoded bytes of a text part (a character cut at the end
    /// becomes U+FFFD). The bytes go through a pooled buffer: a 128 KiB char array per message was the largest CPU cost
    /// of an append (a large-object allocation, zeroed, collected in gen 2).</summary>
    private static string Head(TextPart part)
    {
        if (part.Content is null) return "";
        var buffer = ArrayPool<byte>.Shared.Rent(MaxIndexedText);
        try
        {
            int read;
            if (part.Content is { Stream: { } raw } && part.Content.Encoding is ContentEncoding.Default or ContentEncoding.SevenBit or ContentEncoding.EightBit or ContentEncoding.Binary)
            {
                // Nothing to decode: read the part's bytes as they are, without the decoding stream's buffers (4 KiB a message).
                raw.Position = 0;
                read = raw.ReadAtLeast(buffer.AsSpan(0, MaxIndexedText), MaxIndexedText, throwOnEndOfStream: false);
            }
            else
            {
                using var decoded = part.Content.Open();
                read = decoded.ReadAtLeast(buffer.AsSpan(0, MaxIndexedText), MaxIndexedText, throwOnEndOfStream: false);
            }
            var encoding = part.ContentType.CharsetEncoding ?? Encoding.UTF8;
            return encoding.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or DecoderFallbackException or ArgumentException or FormatException)
        {
            return "";
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The first <see cref="MaxIndexedText"/> bytes of a file-backed message as UTF-8.</summary>
    private static string Head(Stream stream)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxIndexedText);
        try
        {
            stream.Position = 0;
            var read = stream.ReadAtLeast(buffer.AsSpan(0, MaxIndexedText), MaxIndexedText, throwOnEndOfStream: false);
            return Encoding.UTF8.GetString(buffer, 0, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>An address as a person reads it: <c>Alice &lt;alice@example.org&gt;</c>, unquoted and decoded.</summary>
    private static string Show(InternetAddress address) => address switch
    {
        MailboxAddress { Name: { Length: > 0 } name } mailbox => $"{name} <{mailbox.Address}>",
        MailboxAddress mailbox => mailbox.Address,
        GroupAddress group => $"{group.Name}: {string.Join(", ", group.Members.Select(Show))};",
        _ => address.ToString(),
    };

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();
}
