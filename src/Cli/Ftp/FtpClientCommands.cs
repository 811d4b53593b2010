using System.CommandLine;
using System.Globalization;
using Protocols.Cli.Common;
using Protocols.Ftp;
using Protocols.Ftp.Listing;

namespace Protocols.Cli.Ftp;

/// <summary><c>proto ftp ls|get|put|rm|mkdir|rmdir|mv</c> over <c>ftp://[user[:password]@]host[:port]/path</c> URLs.</summary>
internal static class FtpClientCommands
{
    /// <summary>The client verbs, each built only when needed (<see cref="Common.Verbs"/>).</summary>
    public static Verb[] Verbs =>
    [
        new("ls", Ls),
        new("get", Get),
        new("put", Put),
        new("rm", () => Simple("rm", "Delete a file (-r: a directory tree)", recursiveOption: true, async (c, path, r, ct) =>
        {
            if (r) await c.DeleteDirectoryAsync(path, true, ct).ConfigureAwait(false);
            else await c.DeleteFileAsync(path, ct).ConfigureAwait(false);
        })),
        new("mkdir", () => Simple("mkdir", "Create a directory and its parents", recursiveOption: false, (c, path, _, ct) => c.CreateDirectoryAsync(path, true, ct))),
        new("rmdir", () => Simple("rmdir", "Remove an empty directory", recursiveOption: false, (c, path, _, ct) => c.DeleteDirectoryAsync(path, false, ct))),
        new("mv", Mv),
    ];

    private static Argument<string> UrlArgument() => new("url") { Description = "ftp://[user[:password]@]host[:port]/path (ftps:// for implicit TLS)" };

    private static Option<bool> Recursive(string description) => new("--recursive", "-r") { Description = description };

    private static Command Ls()
    {
        var url = UrlArgument();
        var command = FtpSession.WithCommonOptions(new Command("ls", "List a directory") { url });
        command.SetAction((parse, ct) => FtpSession.RunAsync(parse, parse.GetValue(url)!, async (client, path) =>
        {
            await foreach (var item in client.GetListingAsync(path is "" or "/" ? null : path, ct).ConfigureAwait(false))
            {
                var kind = item.Type switch { FtpObjectType.Directory => "d", FtpObjectType.Link => "l", FtpObjectType.File => "-", _ => "?" };
                var size = item.Size >= 0 ? item.Size.ToString(CultureInfo.InvariantCulture) : "";
                var time = item.Modified?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";
                await Console.Out.WriteLineAsync($"{kind} {size,14} {time,16} {item.Name}{(item.LinkTarget is { } t ? " -> " + t : "")}").ConfigureAwait(false);
            }
            return 0;
        }, ct));
        return command;
    }

    private static Command Get()
    {
        var url = UrlArgument();
        var output = new Option<string>("--output", "-o") { Description = "Local file or (-r) directory (default: the remote name; - for stdout)" };
        var recursive = Recursive("Download a directory tree into a local directory of its name");
        var resume = new Option<bool>("--resume", "-C") { Description = "Continue a partial local file (appends what arrives)" };
        var command = FtpSession.WithCommonOptions(new Command("get", "Download a file or (-r) a directory; an existing local file is replaced only when the download succeeds")
        {
            url, output, recursive, resume,
        });
        command.SetAction((parse, ct) => FtpSession.RunAsync(parse, parse.GetValue(url)!, (client, path) =>
        {
            var name = path.TrimEnd('/').Split('/')[^1];
            var local = parse.GetValue(output) ?? (name.Length == 0 ? "." : name);
            return parse.GetValue(recursive)
                ? FtpTransfers.GetTreeAsync(client, path, local, parse.GetValue(resume), ct)
                : FtpTransfers.GetFileAsync(client, path, local, parse.GetValue(resume), ct);
        }, ct));
        return command;
    }

    private static Command Put()
    {
        var file = new Argument<string>("file") { Description = "Local file or (-r) directory" };
        var url = UrlArgument();
        var recursive = Recursive("Upload a directory tree: a URL ending in / gets a directory of the same name");
        var resume = new Option<bool>("--resume", "-C") { Description = "Append what the server's copy lacks" };
        var command = FtpSession.WithCommonOptions(new Command("put", "Upload a file or (-r) a directory; a URL ending in / keeps the local name")
        {
            file, url, recursive, resume,
        });
        command.SetAction((parse, ct) => FtpSession.RunAsync(parse, parse.GetValue(url)!, (client, path) =>
        {
            var local = parse.GetValue(file)!;
            return parse.GetValue(recursive)
                ? FtpTransfers.PutTreeAsync(client, local, path, parse.GetValue(resume), ct)
                : FtpTransfers.PutFileAsync(client, local, path, parse.GetValue(resume), ct);
        }, ct));
        return command;
    }

    private static Command Mv()
    {
        var url = UrlArgument();
        var to = new Argument<string>("to") { Description = "New name: relative to the file's directory, or an absolute path on the same server" };
        var command = FtpSession.WithCommonOptions(new Command("mv", "Rename or move a file or directory") { url, to });
        command.SetAction((parse, ct) => FtpSession.RunAsync(parse, parse.GetValue(url)!, async (client, path) =>
        {
            await client.RenameAsync(path, MoveTarget(path, parse.GetValue(to)!), ct).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    /// <summary>Where <c>mv</c> moves to: a relative name stays in the source's directory; a name ending in / keeps the source's name.</summary>
    internal static string MoveTarget(string source, string to)
    {
        if (Uri.TryCreate(to, UriKind.Absolute, out var uri) && uri.Scheme is "ftp" or "ftps") to = Uri.UnescapeDataString(uri.AbsolutePath);
        var trimmed = source.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        var directory = slash >= 0 ? trimmed[..(slash + 1)] : "";
        var name = trimmed[(slash + 1)..];
        var target = to.StartsWith('/') ? to : directory + to;
        return target.EndsWith('/') ? target + name : target;
    }

    private static Command Simple(string name, string description, bool recursiveOption, Func<FtpClient, string, bool, CancellationToken, Task> action)
    {
        var url = UrlArgument();
        var recursive = Recursive("Whole tree");
        var command = FtpSession.WithCommonOptions(new Command(name, description) { url });
        if (recursiveOption) command.Options.Add(recursive);
        command.SetAction((parse, ct) => FtpSession.RunAsync(parse, parse.GetValue(url)!, async (client, path) =>
        {
            await action(client, path, recursiveOption && parse.GetValue(recursive), ct).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }
}
