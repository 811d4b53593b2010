using System.CommandLine;

namespace Protocols.Cli;

/// <summary>The root of the <c>proto</c> command tree. Each protocol's verbs live in its own folder.</summary>
internal static class ProtoCommand
{
    public static RootCommand Build() => new("proto: SMTP, FTP and HTTP clients and dev servers")
    {
        Smtp.SmtpCommand.Create(),
        Ftp.FtpCommand.Create(),
        Http.HttpCommand.Create(),
        Serve.ServeCommand.Create(),
        Mail.MailCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args) =>
        await Build().Parse(args).InvokeAsync().ConfigureAwait(false);
}
