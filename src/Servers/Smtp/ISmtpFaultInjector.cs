namespace Protocols.Servers.Smtp;

/// <summary>What a scripted fault does to a command.</summary>
internal enum SmtpFaultAction
{
    /// <summary>Handle the command normally.</summary>
    None,
    /// <summary>Send <see cref="SmtpFault.Response"/> instead of handling the command.</summary>
    Reply,
    /// <summary>Drop the connection without a reply.</summary>
    Disconnect,
    /// <summary>Handle the command normally, then drop the connection without a reply.</summary>
    DisconnectAfter,
}

/// <summary>A decision for one command: an action and, for <see cref="SmtpFaultAction.Reply"/>, the reply; an
/// optional delay first.</summary>
internal readonly record struct SmtpFault(SmtpFaultAction Action, SmtpResponse? Response = null, TimeSpan Delay = default);

/// <summary>Lets a test server script faults: consulted with the verb and the number of times it was seen.</summary>
internal interface ISmtpFaultInjector
{
    SmtpFault OnCommand(string verb, int useCount);
}
