using System.CommandLine;
using Protocols.Cli.Common;

namespace Protocols.Cli.Smtp;

/// <summary>`proto smtp`: SMTP client and capture server.</summary>
internal static class SmtpCommand
{
    public static Command Create(string[] rest) => Verbs.Add(new Command("smtp", "SMTP client and capture server"), rest,
        new Verb("send", SmtpSendCommand.Create),
        new Verb("serve", SmtpServeCommand.Create));
}
