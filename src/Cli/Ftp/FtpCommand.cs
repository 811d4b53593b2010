using System.CommandLine;
using Protocols.Cli.Common;

namespace Protocols.Cli.Ftp;

/// <summary>`proto ftp`: FTP client and server.</summary>
internal static class FtpCommand
{
    public static Command Create(string[] rest) => Verbs.Add(new Command("ftp", "FTP client and server"), rest,
        [.. FtpClientCommands.Verbs, new Verb("serve", FtpServeCommand.Create)]);
}
