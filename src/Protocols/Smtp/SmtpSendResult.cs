using Protocols.Lines;

namespace Protocols.Smtp;

/// <summary>The server's answer for one recipient.</summary>
public sealed record SmtpRecipientResult(string Address, int StatusCode, string Response)
{
    public bool Accepted => StatusCode is >= 200 and < 300;
}

/// <summary>The outcome of a send where the message was accepted for at least one recipient.</summary>
public sealed record SmtpSendResult(Reply FinalReply, IReadOnlyList<SmtpRecipientResult> Recipients)
{
    /// <summary>Octets of message data sent (before dot-stuffing).</summary>
    public long Size { get; init; }

    /// <summary>The final reply's text (e.g. "Ok: queued as 4C1F2").</summary>
    public string Response => FinalReply.Text;

    public IEnumerable<SmtpRecipientResult> Accepted => Recipients.Where(r => r.Accepted);

    public IEnumerable<SmtpRecipientResult> Rejected => Recipients.Where(r => !r.Accepted);

    /// <summary>Whether every recipient was accepted.</summary>
    public bool AllAccepted => Recipients.All(r => r.Accepted);
}
