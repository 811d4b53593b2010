namespace Protocols.Net;

/// <summary>What a TLS upgrade does with plaintext the peer sent after the upgrade command and before the handshake.</summary>
public enum PlaintextPolicy
{
    /// <summary>Throw <see cref="PlaintextInjectionException"/>; the caller closes the connection. A client's choice.</summary>
    Reject,

    /// <summary>Drop the bytes and go on with the handshake (RFC 3207 §4: a server discards pipelined commands). A server's choice.</summary>
    Discard,
}
