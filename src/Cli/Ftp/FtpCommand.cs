using System.CommandLine;

namespace Protocols.Cli.Ftp;

/// <summary>`proto ftp`: FTP client and server.</summary>
internal static class FtpCommand
{
    public static Command Create() => new("ftp", "FTP client and server")
    {
        FtpServeCommand.Create(),
    };
}
