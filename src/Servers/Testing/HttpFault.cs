namespace Protocols.Servers.Testing;

/// <summary>Scripted misbehaviour for a stub, to test how a client copes.</summary>
public enum HttpFault
{
    /// <summary>Reset the connection (TCP RST) without any response.</summary>
    ResetConnection,

    /// <summary>Close the connection (FIN) without any response.</summary>
    CloseConnection,

    /// <summary>Send nothing and hold the connection open until the client leaves or the server stops.</summary>
    Stall,

    /// <summary>Send the status, headers and half the body, then hold the connection open.</summary>
    StallMidBody,

    /// <summary>Declare a Content-Length larger than the body, send the body, then close: a truncated response.</summary>
    WrongContentLength,
}
