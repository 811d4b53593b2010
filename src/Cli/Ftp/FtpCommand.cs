using System.CommandLine;

namespace Protocols.Cli.Ftp;

/// <summary>`proto ftp`: FTP client and server.</summary>
internal static class FtpCommand
{
    public static Command Create()
    {
        var command = new Command("ftp", "FTP client and server");
        foreach (var verb in FtpClientCommands.Create()) command.Subcommands.Add(verb);
        command.Subcommands.Add(FtpServeCommand.Create());
        return command;
    }
}
