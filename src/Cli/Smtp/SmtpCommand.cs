using System.CommandLine;

namespace Protocols.Cli.Smtp;

/// <summary>`proto smtp`: SMTP client and capture server.</summary>
internal static class SmtpCommand
{
    public static Command Create() => new("smtp", "SMTP client and capture server")
    {
        SmtpSendCommand.Create(),
        SmtpServeCommand.Create(),
    };
}
