namespace Protocols.Mime;

/// <summary>A message/rfc822 entity: an attached or forwarded message.</summary>
public sealed class MessagePart : MimeEntity
{
    public MessagePart(MimeMessage message)
        : this(new ContentType("message", "rfc822"), message)
    {
    }

    internal MessagePart(ContentType contentType, MimeMessage message)
        : base(contentType)
    {
        ArgumentNullException.ThrowIfNull(message);
        Message = message;
    }

    public MimeMessage Message { get; set; }

    public override IEnumerable<MimeEntity> Descendants()
    {
        yield return this;
        if (Message.Body is not null)
        {
            foreach (var entity in Message.Body.Descendants())
            {
                yield return entity;
            }
        }
    }
}
