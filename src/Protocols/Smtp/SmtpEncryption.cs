namespace Protocols.Smtp;

/// <summary>How <see cref="SmtpClient.ConnectAsync"/> secures the connection (the names MailKit users know).</summary>
public enum SmtpEncryption
{
    /// <summary>Plaintext, never TLS.</summary>
    None,
    /// <summary>Implicit TLS on port 465, otherwise STARTTLS when the server offers it.</summary>
    Auto,
    /// <summary>TLS from the first byte (SMTPS, RFC 8314).</summary>
    SslOnConnect,
    /// <summary>STARTTLS, required: fails when the server does not offer it.</summary>
    StartTls,
    /// <summary>STARTTLS when offered, plaintext otherwise.</summary>
    StartTlsWhenAvailable,
}
