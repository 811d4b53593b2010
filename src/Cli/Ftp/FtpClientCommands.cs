using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using Protocols.Ftp;
using Protocols.Ftp.Listing;

namespace Protocols.Cli.Ftp;

/// <summary><c>proto ftp ls|get|put|rm|mkdir|rmdir|mv</c> over <c>ftp://[user[:password]@]host[:port]/path</c> URLs.</summary>
internal static class FtpClientCommands
{
    private static readonly Option<bool> Tls = new("--tls") { Description = "Explicit TLS (AUTH TLS, PROT P); ftps:// URLs use implicit TLS" };
    private static readonly Option<bool> Insecure = new("--insecure", "-k") { Description = "Accept any server certificate" };
    private static readonly Option<bool> Active = new("--active") { Description = "Active mode (the server connects back)" };
    private static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Print the protocol transcript (PASS redacted) to stderr" };

    public static IEnumerable<Command> Create()
    {
        yield return Ls();
        yield return Get();
        yield return Put();
        yield return Simple("rm", "Delete a file (-r: a directory tree)", recursiveOption: true, async (c, path, r, ct) =>
        {
            if (r) await c.DeleteDirectoryAsync(path, true, ct).ConfigureAwait(false);
            else await c.DeleteFileAsync(path, ct).ConfigureAwait(false);
        });
        yield return Simple("mkdir", "Create a directory and its parents", recursiveOption: false, (c, path, _, ct) => c.CreateDirectoryAsync(path, true, ct));
        yield return Simple("rmdir", "Remove an empty directory", recursiveOption: false, (c, path, _, ct) => c.DeleteDirectoryAsync(path, false, ct));
        yield return Mv();
    }

    private static Argument<string> UrlArgument() => new("url") { Description = "ftp://[user[:password]@]host[:port]/path" };

    private static Command WithCommon(Command command)
    {
        command.Options.Add(Tls);
        command.Options.Add(Insecure);
        command.Options.Add(Active);
        command.Options.Add(Verbose);
        return command;
    }

    private static Command Ls()
    {
        var url = UrlArgument();
        var command = WithCommon(new Command("ls", "List a directory") { url });
        command.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(url)!, async (client, path) =>
        {
            await foreach (var item in client.GetListingAsync(path.Length == 0 ? null : path, ct).ConfigureAwait(false))
            {
                var kind = item.Type switch { FtpObjectType.Directory => "d", FtpObjectType.Link => "l", FtpObjectType.File => "-", _ => "?" };
                var size = item.Size >= 0 ? item.Size.ToString(CultureInfo.InvariantCulture) : "";
                var time = item.Modified?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";
                Console.Out.WriteLine($"{kind} {size,14} {time,16} {item.Name}{(item.LinkTarget is { } t ? " -> " + t : "")}");
            }
        }, ct));
        return command;
    }

    private static Command Get()
    {
        var url = UrlArgument();
        var output = new Option<string>("--output", "-o") { Description = "Local file (default: the remote name; - for stdout)" };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Download a directory tree" };
        var resume = new Option<bool>("--resume") { Description = "Continue a partial local file" };
        var command = WithCommon(new Command("get", "Download a file or (-r) a directory") { url, output, recursive, resume });
        command.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(url)!, async (client, path) =>
        {
            var name = path.TrimEnd('/').Split('/')[^1];
            var local = parse.GetValue(output) ?? (name.Length == 0 ? "." : name);
            if (parse.GetValue(recursive))
            {
                var results = await client.DownloadDirectoryAsync(local, path, parse.GetValue(resume) ? FtpExists.Resume : FtpExists.Overwrite, Progress(), ct).ConfigureAwait(false);
                EndProgress();
                return Report(results);
            }
            if (local == "-")
            {
                await using var stdout = Console.OpenStandardOutput();
                await client.DownloadAsync(stdout, path, cancellationToken: ct).ConfigureAwait(false);
                return 0;
            }
            await client.DownloadFileAsync(local, path, parse.GetValue(resume) ? FtpExists.Resume : FtpExists.Overwrite, progress: Progress(), cancellationToken: ct).ConfigureAwait(false);
            EndProgress();
            return 0;
        }, ct));
        return command;
    }

    private static Command Put()
    {
        var file = new Argument<string>("file") { Description = "Local file or (-r) directory" };
        var url = UrlArgument();
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Upload a directory tree" };
        var resume = new Option<bool>("--resume") { Description = "Append what the server's copy lacks" };
        var command = WithCommon(new Command("put", "Upload a file or (-r) a directory; a URL ending in / keeps the local name") { file, url, recursive, resume });
        command.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(url)!, async (client, path) =>
        {
            var local = parse.GetValue(file)!;
            var mode = parse.GetValue(resume) ? FtpExists.Resume : FtpExists.Overwrite;
            if (parse.GetValue(recursive))
            {
                if (!Directory.Exists(local)) return FtpServeCommand.Fail($"no such directory: {local}");
                var results = await client.UploadDirectoryAsync(local, path, mode, Progress(), ct).ConfigureAwait(false);
                EndProgress();
                return Report(results);
            }
            if (!File.Exists(local)) return FtpServeCommand.Fail($"no such file: {local}");
            var remote = path.Length == 0 || path.EndsWith('/') ? path + Path.GetFileName(local) : path;
            await client.UploadFileAsync(local, remote, mode, createRemoteDirectory: true, progress: Progress(), cancellationToken: ct).ConfigureAwait(false);
            EndProgress();
            return 0;
        }, ct));
        return command;
    }

    private static Command Mv()
    {
        var url = UrlArgument();
        var to = new Argument<string>("to") { Description = "New path on the same server" };
        var command = WithCommon(new Command("mv", "Rename or move a file or directory") { url, to });
        command.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(url)!, async (client, path) =>
        {
            await client.RenameAsync(path, parse.GetValue(to)!, ct).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private static Command Simple(string name, string description, bool recursiveOption, Func<FtpClient, string, bool, CancellationToken, Task> action)
    {
        var url = UrlArgument();
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Whole tree" };
        var command = WithCommon(new Command(name, description) { url });
        if (recursiveOption) command.Options.Add(recursive);
        command.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(url)!, (client, path) =>
            action(client, path, recursiveOption && parse.GetValue(recursive), ct), ct));
        return command;
    }

    private static Task<int> RunAsync(ParseResult parse, string url, Func<FtpClient, string, Task> action, CancellationToken ct) =>
        RunAsync(parse, url, async (client, path) =>
        {
            await action(client, path).ConfigureAwait(false);
            return 0;
        }, ct);

    private static async Task<int> RunAsync(ParseResult parse, string url, Func<FtpClient, string, Task<int>> action, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("ftp" or "ftps"))
            return FtpServeCommand.Fail($"not an ftp:// or ftps:// URL: {url}");
        var options = new FtpClientOptions
        {
            AcceptAnyCertificate = parse.GetValue(Insecure),
            DataMode = parse.GetValue(Active) ? FtpDataMode.Active : FtpDataMode.AutoPassive,
            Transcript = parse.GetValue(Verbose) ? line => Console.Error.WriteLine(line) : null,
        };
        if (parse.GetValue(Tls)) options.Encryption = FtpEncryption.Explicit;
        var path = Uri.UnescapeDataString(uri.AbsolutePath);
        try
        {
            await using var client = FtpClient.FromUri(uri, options);
            if (parse.GetValue(Tls)) client.Options.Encryption = FtpEncryption.Explicit;
            await client.ConnectAsync(ct).ConfigureAwait(false);
            return await action(client, path == "/" && parse.CommandResult.Command.Name == "ls" ? "" : path).ConfigureAwait(false);
        }
        catch (FtpCommandException e)
        {
            return FtpServeCommand.Fail(e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or TimeoutException or InvalidDataException or System.Security.Authentication.AuthenticationException or UnauthorizedAccessException)
        {
            return FtpServeCommand.Fail(e.Message);
        }
    }

    private static int Report(IReadOnlyList<FtpResult> results)
    {
        foreach (var failed in results.Where(r => r.Status == FtpStatus.Failed))
            Console.Error.WriteLine($"proto ftp: {failed.RemotePath}: {failed.Error?.Message}");
        var ok = results.Count(r => r.Status == FtpStatus.Success);
        var skipped = results.Count(r => r.Status == FtpStatus.Skipped);
        Console.Error.WriteLine($"proto ftp: {ok} transferred, {skipped} skipped, {results.Count - ok - skipped} failed");
        return results.Any(r => r.Status == FtpStatus.Failed) ? 1 : 0;
    }

    /// <summary>A one-line progress display on a terminal; nothing when stderr is piped.</summary>
    private static IProgress<FtpProgress>? Progress()
    {
        if (Console.IsErrorRedirected) return null;
        var last = DateTime.MinValue;
        return new SyncProgress(p =>
        {
            var now = DateTime.UtcNow;
            if (now - last < TimeSpan.FromMilliseconds(100)) return;
            last = now;
            var total = p.TotalBytes is { } t && t > 0 ? $" / {t / 1048576.0:0.0} MiB ({100.0 * p.TransferredBytes / t:0}%)" : "";
            Console.Error.Write($"\r{p.RemotePath}: {p.TransferredBytes / 1048576.0:0.0} MiB{total}   ");
        });
    }

    private static void EndProgress()
    {
        if (!Console.IsErrorRedirected) Console.Error.WriteLine();
    }

    private sealed class SyncProgress(Action<FtpProgress> report) : IProgress<FtpProgress>
    {
        public void Report(FtpProgress value) => report(value);
    }
}
