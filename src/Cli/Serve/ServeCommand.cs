using System.CommandLine;

namespace Protocols.Cli.Serve;

/// <summary>`proto serve`: the whole dev stack in one process: SMTP, FTP, HTTP and POP3.</summary>
internal static class ServeCommand
{
    public static Command Create() => new("serve", "the whole dev stack in one process: SMTP, FTP, HTTP and POP3");
}
