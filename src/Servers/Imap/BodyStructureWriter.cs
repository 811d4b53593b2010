using MimeKit;

namespace Protocols.Servers.Imap;

/// <summary>BODYSTRUCTURE (extensible) and BODY (non-extensible) per RFC 9051 section 7.5.2, from MimeKit's parse.</summary>
internal static class BodyStructureWriter
{
    public static void Write(ImapResponse w, MimeEntity entity, PartNode node, OffsetRecorder offsets, bool extensible)
    {
        var type = entity.ContentType;
        if (entity is Multipart multipart && node.IsMultipart)
        {
            w.Open();
            for (var i = 0; i < multipart.Count && i < node.Children.Count; i++) Write(w, multipart[i], node.Children[i], offsets, extensible);
            if (multipart.Count == 0) WriteEmptyTextPart(w);
            w.Space().String(type.MediaSubtype.ToUpperInvariant());
            if (extensible)
            {
                w.Space();
                WriteParameters(w, type.Parameters);
                WriteDispositionLanguageLocation(w, entity);
            }
            w.Close();
            return;
        }
        w.Open();
        w.String(type.MediaType.ToUpperInvariant()).Space().String(type.MediaSubtype.ToUpperInvariant()).Space();
        WriteParameters(w, type.Parameters);
        w.Space().NString(Raw(entity, HeaderId.ContentId));
        w.Space().NString(Raw(entity, HeaderId.ContentDescription));
        w.Space().String(Encoding(entity));
        w.Space().Number(Math.Max(0, node.End - node.HeadersEnd));
        if (entity is MessagePart { Message: { } message } && node.Embedded is { } embedded)
        {
            w.Space();
            EnvelopeWriter.WriteEnvelope(w, message);
            w.Space();
            if (message.Body is { } body) Write(w, body, embedded.Body, offsets, extensible);
            else WriteEmptyTextPart(w);
            w.Space().Number(offsets.LinesOf(entity));
        }
        else if (type.MediaType.Equals("text", StringComparison.OrdinalIgnoreCase))
        {
            w.Space().Number(offsets.LinesOf(entity));
        }
        if (extensible)
        {
            w.Space().NString(Raw(entity, HeaderId.ContentMd5));
            WriteDispositionLanguageLocation(w, entity);
        }
        w.Close();
    }

    /// <summary>A body with no parts where one is due (an empty multipart, a message/rfc822 with no body): text/plain, empty.</summary>
    private static void WriteEmptyTextPart(ImapResponse w) =>
        w.Open().String("TEXT").Space().String("PLAIN").Space().Nil().Space().Nil().Space().Nil().Space().String("7BIT").Space().Number(0).Space().Number(0).Close();

    /// <summary>The extension data both kinds of part end with: SP disposition SP language SP location.</summary>
    private static void WriteDispositionLanguageLocation(ImapResponse w, MimeEntity entity)
    {
        w.Space();
        WriteDisposition(w, entity);
        w.Space();
        WriteLanguage(w, entity);
        w.Space();
        w.NString(Raw(entity, HeaderId.ContentLocation));
    }

    private static string Encoding(MimeEntity entity)
    {
        var raw = Raw(entity, HeaderId.ContentTransferEncoding);
        return string.IsNullOrWhiteSpace(raw) ? "7BIT" : raw.Trim().ToUpperInvariant();
    }

    private static string? Raw(MimeEntity entity, HeaderId id) => EnvelopeWriter.RawValue(entity.Headers, id);

    private static void WriteParameters(ImapResponse w, ParameterList parameters)
    {
        if (parameters.Count == 0)
        {
            w.Nil();
            return;
        }
        w.Open();
        var first = true;
        foreach (var p in parameters)
        {
            if (!first) w.Space();
            first = false;
            w.String(p.Name.ToUpperInvariant()).Space().String(p.Value ?? "");
        }
        w.Close();
    }

    private static void WriteDisposition(ImapResponse w, MimeEntity entity)
    {
        if (entity.ContentDisposition is not { } disposition)
        {
            w.Nil();
            return;
        }
        w.Open().String(disposition.Disposition.ToUpperInvariant()).Space();
        WriteParameters(w, disposition.Parameters);
        w.Close();
    }

    private static void WriteLanguage(ImapResponse w, MimeEntity entity)
    {
        var raw = Raw(entity, HeaderId.ContentLanguage);
        if (string.IsNullOrWhiteSpace(raw))
        {
            w.Nil();
            return;
        }
        var tags = raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        w.Open();
        for (var i = 0; i < tags.Length; i++)
        {
            if (i > 0) w.Space();
            w.String(tags[i]);
        }
        w.Close();
    }
}
