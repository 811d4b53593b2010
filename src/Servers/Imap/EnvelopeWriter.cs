using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Protocols.Servers.Imap;

/// <summary>
/// ENVELOPE and BODYSTRUCTURE (RFC 9051 section 7.5.2) from MimeKit's parse of the stored message. Header values go
/// out as they were written (unfolded, encoded-words kept), as Dovecot sends them; clients decode.
/// </summary>
internal static class EnvelopeWriter
{
    public static void WriteEnvelope(ImapResponse w, MimeMessage message)
    {
        var headers = message.Headers;
        w.Open();
        w.NString(RawValue(headers, HeaderId.Date)).Space();
        w.NString(RawValue(headers, HeaderId.Subject)).Space();
        var from = message.From;
        WriteAddresses(w, from);
        w.Space();
        WriteAddresses(w, headers.Contains(HeaderId.Sender) ? Addresses(message.Sender) : from);
        w.Space();
        WriteAddresses(w, headers.Contains(HeaderId.ReplyTo) ? message.ReplyTo : from);
        w.Space();
        WriteAddresses(w, message.To);
        w.Space();
        WriteAddresses(w, message.Cc);
        w.Space();
        WriteAddresses(w, message.Bcc);
        w.Space();
        w.NString(RawValue(headers, HeaderId.InReplyTo)).Space();
        w.NString(RawValue(headers, HeaderId.MessageId));
        w.Close();
    }

    private static InternetAddressList Addresses(MailboxAddress? one)
    {
        var list = new InternetAddressList();
        if (one is not null) list.Add(one);
        return list;
    }

    /// <summary>A header's value unfolded with its leading space cut, or null when absent.</summary>
    internal static string? RawValue(HeaderList headers, HeaderId id)
    {
        var index = headers.IndexOf(id);
        if (index < 0) return null;
        var raw = headers[index].RawValue;
        var text = Encoding.UTF8.GetString(raw);
        return Unfold(text).Trim();
    }

    internal static string Unfold(string text) => text.Contains('\n') ? text.Replace("\r\n", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal) : text;

    private static void WriteAddresses(ImapResponse w, InternetAddressList list)
    {
        if (list.Count == 0)
        {
            w.Nil();
            return;
        }
        w.Open();
        foreach (var address in list) WriteAddress(w, address);
        w.Close();
    }

    private static void WriteAddress(ImapResponse w, InternetAddress address)
    {
        switch (address)
        {
            case MailboxAddress mailbox:
                w.Open();
                w.NString(Phrase(mailbox.Name)).Space();
                w.NString(mailbox.Route.Count > 0 ? "@" + string.Join(",@", mailbox.Route) : null).Space();
                w.NString(mailbox.LocalPart).Space();
                w.NString(string.IsNullOrEmpty(mailbox.Domain) ? null : mailbox.Domain);
                w.Close();
                break;
            case GroupAddress group:
                // A group is a start marker (NIL NIL name NIL), its members, and an end marker (NIL NIL NIL NIL).
                w.Open().Nil().Space().Nil().Space().NString(Phrase(group.Name) ?? "").Space().Nil().Close();
                foreach (var member in group.Members) WriteAddress(w, member);
                w.Open().Nil().Space().Nil().Space().Nil().Space().Nil().Close();
                break;
        }
    }

    /// <summary>A display name as a header would carry it: ASCII as is, anything else as an RFC 2047 encoded-word.</summary>
    private static string? Phrase(string? name)
    {
        if (string.IsNullOrEmpty(name)) return null;
        if (name.All(c => c < 0x80)) return name;
        return Encoding.ASCII.GetString(Rfc2047.EncodePhrase(Encoding.UTF8, name));
    }
}
