namespace Protocols.Servers.Smtp;

/// <summary>The ESMTP extensions a server can offer; each is switchable per server.</summary>
[Flags]
public enum SmtpExtensions
{
    None = 0,
    /// <summary>RFC 2920.</summary>
    Pipelining = 1 << 0,
    /// <summary>RFC 1870.</summary>
    Size = 1 << 1,
    /// <summary>RFC 6152.</summary>
    EightBitMime = 1 << 2,
    /// <summary>RFC 6531.</summary>
    SmtpUtf8 = 1 << 3,
    /// <summary>RFC 2034.</summary>
    EnhancedStatusCodes = 1 << 4,
    /// <summary>RFC 3207; offered only when a certificate is configured and the session is not yet TLS.</summary>
    StartTls = 1 << 5,
    /// <summary>RFC 4954; offered only when an authenticator is configured.</summary>
    Auth = 1 << 6,
    /// <summary>RFC 3030 CHUNKING (BDAT) and BINARYMIME is not offered.</summary>
    Chunking = 1 << 7,
    /// <summary>RFC 3461; parameters are accepted and recorded, no notifications are sent.</summary>
    Dsn = 1 << 8,
    All = Pipelining | Size | EightBitMime | SmtpUtf8 | EnhancedStatusCodes | StartTls | Auth | Chunking | Dsn,
}
