using System.CommandLine;
using Protocols.Cli.Common;

namespace Protocols.Cli.Http;

/// <summary><c>proto http serve</c>: serve a directory over HTTP(S), optionally with uploads, CORS and basic auth.</summary>
internal static class HttpServeCommand
{
    public static Command Create()
    {
        var root = ServerOptions.Root();
        var host = ServerOptions.Host();
        var port = ServerOptions.Port(8080);
        var write = ServerOptions.Write("Accept PUT of files and POST of multipart forms");
        var maxSize = ServerOptions.MaxSize("Largest upload in bytes (default 30000000, Kestrel's)");
        var cors = new Option<bool>("--cors") { Description = "Answer CORS preflights and allow any origin" };
        var user = ServerOptions.User("Require basic auth with this user name");
        var password = ServerOptions.Password();
        var tls = ServerOptions.Tls("Serve HTTPS");
        var tlsCert = ServerOptions.TlsCert();
        var tlsKey = ServerOptions.TlsKey();
        var noListing = new Option<bool>("--no-listing") { Description = "Do not list directories" };

        var command = new Command("serve", "Serve a directory over HTTP: ranges, conditional requests, listings, optional uploads")
        {
            root, host, port, write, maxSize, cors, user, password, tls, tlsCert, tlsKey, noListing,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new HttpServeSettings(
                Path.GetFullPath(parse.GetValue(root) ?? Directory.GetCurrentDirectory()), parse.GetValue(host) ?? "127.0.0.1",
                parse.GetValue(port), parse.GetValue(write), parse.GetValue(maxSize), parse.GetValue(cors),
                parse.GetValue(user), parse.GetValue(password), parse.GetValue(tls) || parse.GetValue(tlsCert) is not null,
                parse.GetValue(tlsCert), parse.GetValue(tlsKey), !parse.GetValue(noListing));
            return await HttpServeRunner.RunAsync(settings, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
