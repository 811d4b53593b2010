using System.Net;

namespace Protocols.Servers.Smtp;

/// <summary>What hooks may know about the session asking.</summary>
public interface ISmtpSessionInfo
{
    /// <summary>A short unique id for logs.</summary>
    string SessionId { get; }

    /// <summary>The client's address, when known.</summary>
    EndPoint? RemoteEndPoint { get; }

    /// <summary>The server's address, when known.</summary>
    EndPoint? LocalEndPoint { get; }

    /// <summary>The EHLO/HELO argument, or null before it.</summary>
    string? HeloName { get; }

    /// <summary>Whether the session is TLS (implicit or after STARTTLS).</summary>
    bool IsTls { get; }

    /// <summary>The authenticated user, or null.</summary>
    string? AuthenticatedUser { get; }
}
