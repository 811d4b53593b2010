using System.Globalization;
using System.Text;

namespace Protocols.Servers.Smtp;

public sealed partial class SmtpSession
{
    // "SIZE n" for the EHLO reply, made again only when the limit changes (a reference, so it is read whole).
    private static SizeLine? s_sizeLine;

    private sealed record SizeLine(long Size, string Text);

    private void Reply(SmtpResponse response) => Reply(response.Code, response.Enhanced, response.Text);

    private void Reply(int code, string? enhanced, string text) => WriteReply(code, last: true, UseEnhanced ? enhanced : null, [text]);

    /// <summary>
    /// One reply line (<c>code</c>, space or dash, the enhanced code when given, the text parts, CRLF), formatted
    /// straight into the connection's buffer: no string per reply. The transcript and the Trace log get the same bytes.
    /// </summary>
    private void WriteReply(int code, bool last, string? enhanced, params ReadOnlySpan<string> parts)
    {
        var max = 11 + 1 + (enhanced is null ? 0 : enhanced.Length + 1) + 2;
        foreach (var part in parts) max += Encoding.UTF8.GetMaxByteCount(part.Length);
        var output = Connection.Writer.Buffer;
        var span = output.GetSpan(max);
        code.TryFormat(span, out var n, default, CultureInfo.InvariantCulture);
        span[n++] = last ? (byte)' ' : (byte)'-';
        if (enhanced is not null)
        {
            n += Encoding.UTF8.GetBytes(enhanced, span[n..]);
            span[n++] = (byte)' ';
        }
        foreach (var part in parts) n += Encoding.UTF8.GetBytes(part, span[n..]);
        var line = span[..n];
        if (TraceEnabled) TraceReply(Encoding.UTF8.GetString(line));
        Transcript?.Server(line);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        output.Advance(n);
    }

    /// <summary>The EHLO reply: the hello line, then the extensions offered now (they depend on TLS and AUTH state).</summary>
    private void WriteEhloReply(string name)
    {
        WriteReply(250, last: false, null, _options.ServerName, " Hello ", name);
        if (_options.Offers(SmtpExtensions.Pipelining)) WriteReply(250, last: false, null, "PIPELINING");
        if (_options.Offers(SmtpExtensions.Size)) WriteReply(250, last: false, null, SizeText(_limits.MaxMessageSize));
        if (_options.Offers(SmtpExtensions.EightBitMime)) WriteReply(250, last: false, null, "8BITMIME");
        if (_options.Offers(SmtpExtensions.SmtpUtf8)) WriteReply(250, last: false, null, "SMTPUTF8");
        if (UseEnhanced) WriteReply(250, last: false, null, "ENHANCEDSTATUSCODES");
        if (CanStartTls) WriteReply(250, last: false, null, "STARTTLS");
        if (CanAuth && AuthenticatedUser is null) WriteReply(250, last: false, null, "AUTH ", string.Join(' ', _options.AuthMechanisms));
        if (_options.Offers(SmtpExtensions.Chunking)) WriteReply(250, last: false, null, "CHUNKING");
        if (_options.Offers(SmtpExtensions.Dsn)) WriteReply(250, last: false, null, "DSN");
        WriteReply(250, last: true, null, "HELP");
    }

    private static string SizeText(long max)
    {
        if (max <= 0) return "SIZE";
        if (s_sizeLine is { } cached && cached.Size == max) return cached.Text;
        var text = "SIZE " + max.ToString(CultureInfo.InvariantCulture);
        s_sizeLine = new SizeLine(max, text);
        return text;
    }
}
