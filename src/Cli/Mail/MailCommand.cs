using System.CommandLine;
using Protocols.Cli.Common;

namespace Protocols.Cli.Mail;

/// <summary><c>proto mail</c>: verbs against a running <c>proto serve</c>'s mail API.</summary>
internal static class MailCommand
{
    public static Command Create(string[] rest) => Verbs.Add(new Command("mail", "Work with the mail captured by a running proto serve"), rest,
        new Verb("wait", MailWaitCommand.Create));
}
