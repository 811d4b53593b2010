using Protocols.Lines;

namespace Protocols.Ftp;

/// <summary>The server said no (a 4yz or 5yz reply) to a command; the session goes on.</summary>
public class FtpCommandException : Exception
{
    public FtpCommandException(string command, Reply reply)
        : base($"{command}: {reply.Code} {reply.Text}")
    {
        Command = command;
        Reply = reply;
    }

    /// <summary>A refusal that came with a broken data connection (the server's 426/451/452 after a reset).</summary>
    public FtpCommandException(string command, Reply reply, Exception? inner, string? hint = null)
        : base($"{command}: {reply.Code} {reply.Text}" + (hint is null ? "" : $" ({hint})"), inner)
    {
        Command = command;
        Reply = reply;
    }

    public FtpCommandException() : base("FTP command failed") => Reply = new Reply(500, "");

    public FtpCommandException(string message) : base(message) => Reply = new Reply(500, message);

    public FtpCommandException(string message, Exception inner) : base(message, inner) => Reply = new Reply(500, message);

    /// <summary>The verb (and argument, PASS redacted) that was refused.</summary>
    public string Command { get; } = "";

    public Reply Reply { get; }

    public int Code => Reply.Code;

    /// <summary>4yz: trying again later may work.</summary>
    public bool IsTransient => Reply.IsTransientFailure;
}
