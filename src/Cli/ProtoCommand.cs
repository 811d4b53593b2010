using System.CommandLine;

namespace Protocols.Cli;

/// <summary>The root of the <c>proto</c> command tree.</summary>
internal static class ProtoCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("proto: SMTP, FTP and HTTP clients and dev servers");
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
