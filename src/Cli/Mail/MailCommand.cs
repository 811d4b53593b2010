using System.CommandLine;

namespace Protocols.Cli.Mail;

/// <summary><c>proto mail</c>: verbs against a running <c>proto serve</c>'s mail API.</summary>
internal static class MailCommand
{
    public static Command Create() => new("mail", "Work with the mail captured by a running proto serve")
    {
        MailWaitCommand.Create(),
    };
}
