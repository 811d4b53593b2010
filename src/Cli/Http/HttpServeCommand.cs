using System.CommandLine;

namespace Protocols.Cli.Http;

/// <summary><c>proto http serve</c>: serve a directory over HTTP(S), optionally with uploads, CORS and basic auth.</summary>
internal static class HttpServeCommand
{
    public static Command Create()
    {
        var root = new Option<DirectoryInfo>("--root", "-r") { Description = "Directory to serve (default: the current directory)" };
        var host = new Option<string>("--host") { Description = "Address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "Port to listen on (0: any free port)", DefaultValueFactory = _ => 8080 };
        var upload = new Option<bool>("--upload") { Description = "Accept PUT of files and POST of multipart forms" };
        var maxUpload = new Option<long?>("--max-upload") { Description = "Largest upload in bytes (default 30000000, Kestrel's)" };
        var cors = new Option<bool>("--cors") { Description = "Answer CORS preflights and allow any origin" };
        var user = new Option<string?>("--user") { Description = "Require basic auth with this user name (with --password)" };
        var password = new Option<string?>("--password") { Description = "Password for --user" };
        var tls = new Option<bool>("--tls") { Description = "Serve HTTPS (with --self-signed or --tls-cert/--tls-key)" };
        var selfSigned = new Option<bool>("--self-signed") { Description = "Make a throwaway certificate for localhost" };
        var tlsCert = new Option<FileInfo?>("--tls-cert") { Description = "PEM certificate file" };
        var tlsKey = new Option<FileInfo?>("--tls-key") { Description = "PEM private key file" };
        var noListing = new Option<bool>("--no-listing") { Description = "Do not list directories" };

        var command = new Command("serve", "Serve a directory over HTTP: ranges, conditional requests, listings, optional uploads")
        {
            root, host, port, upload, maxUpload, cors, user, password, tls, selfSigned, tlsCert, tlsKey, noListing,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new HttpServeSettings(
                parse.GetValue(root)?.FullName ?? Directory.GetCurrentDirectory(), parse.GetValue(host) ?? "127.0.0.1",
                parse.GetValue(port), parse.GetValue(upload), parse.GetValue(maxUpload), parse.GetValue(cors),
                parse.GetValue(user), parse.GetValue(password), parse.GetValue(tls), parse.GetValue(selfSigned),
                parse.GetValue(tlsCert)?.FullName, parse.GetValue(tlsKey)?.FullName, !parse.GetValue(noListing));
            return await HttpServeRunner.RunAsync(settings, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
