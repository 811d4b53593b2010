using System.Net;
using Protocols.Cli.Common;
using Protocols.Servers.Hosting;
using Protocols.Servers.Http;

namespace Protocols.Cli.Http;

/// <summary>The parsed options of <c>proto http serve</c>.</summary>
internal sealed record HttpServeSettings(
    string Root, string Host, int Port, bool Upload, long? MaxUpload, bool Cors, string? User, string? Password,
    bool Tls, string? TlsCert, string? TlsKey, bool Listing);

/// <summary>Validates the settings, starts the server, prints its URL and waits for Ctrl+C (the cancellation token).</summary>
internal static class HttpServeRunner
{
    public static async Task<int> RunAsync(HttpServeSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (Validate(settings) is { } problem)
        {
            return VerbRunner.Usage(error, problem);
        }
        var options = new HttpServerOptions
        {
            Root = settings.Root,
            AllowUploads = settings.Upload,
            EnableCors = settings.Cors,
            UserName = settings.User,
            Password = settings.Password,
            DirectoryListing = settings.Listing,
        };
        if (settings.MaxUpload is { } max) options.MaxUploadBytes = max;
        ProtocolsHost host;
        try
        {
            var tls = !settings.Tls ? null
                : settings.TlsCert is not null ? EndpointTls.FromPemFiles(settings.TlsCert, settings.TlsKey!)
                : EndpointTls.SelfSigned();
            var builder = new ProtocolsHostBuilder();
            builder.AddHttpServer(options, new IPEndPoint(IPAddress.Parse(settings.Host), settings.Port), tls);
            host = await builder.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return VerbRunner.Cancelled(error);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            VerbRunner.Error(error, ex.Message);
            return ExitCodes.Failed;
        }
        await using (host.ConfigureAwait(false))
        {
            var endpoint = host.Endpoints[0];
            await output.WriteLineAsync($"Serving {Path.GetFullPath(settings.Root)} at {endpoint}").ConfigureAwait(false);
            var notes = new List<string>();
            if (settings.Upload) notes.Add($"uploads on (PUT a file, POST a form; up to {options.MaxUploadBytes:N0} bytes)");
            if (settings.Cors) notes.Add("CORS on");
            if (settings.User is not null) notes.Add($"basic auth as {settings.User}");
            if (settings.Tls && settings.TlsCert is null) notes.Add("self-signed certificate (curl -k)");
            if (notes.Count > 0) await output.WriteLineAsync("  " + string.Join("; ", notes)).ConfigureAwait(false);
            await output.WriteLineAsync("Press Ctrl+C to stop.").ConfigureAwait(false);
            await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await ServerOptions.WaitForStopAsync(cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync("Stopping.").ConfigureAwait(false);
        }
        return 0;
    }

    internal static string? Validate(HttpServeSettings s)
    {
        if (!Directory.Exists(s.Root)) return $"root directory not found: {s.Root}";
        if (s.MaxUpload is <= 0) return "--max-size must be positive";
        return ServerOptions.Check(s.Host, s.Port, s.User, s.Password, s.TlsCert, s.TlsKey);
    }
}
