using System.Diagnostics;
using Protocols.Cli.Common;
using Protocols.Http;
using Protocols.Net;

namespace Protocols.Cli.Http;

/// <summary>Runs one client verb: builds the request, sends it, writes the body or a JSON summary; exit codes from <see cref="VerbRunner"/>.</summary>
internal static class HttpClientRunner
{
    public static Task<int> RunAsync(HttpClientSettings settings, TextWriter stdout, TextWriter stderr, Func<Stream> openStdout, CancellationToken cancellationToken)
    {
        Target? target = null;
        return VerbRunner.RunAsync(stderr, () => target, () =>
        {
            var uri = ParseUrl(settings.Url);
            target = new Target(uri.Host, uri.Port, uri.Scheme == "https" ? "is it a plain http:// server?" : "");
            return SendAsync(settings, uri, stdout, stderr, openStdout, cancellationToken);
        }, cancellationToken);
    }

    private static async Task<int> SendAsync(HttpClientSettings settings, Uri uri, TextWriter stdout, TextWriter stderr, Func<Stream> openStdout, CancellationToken cancellationToken)
    {
        var options = new HttpClientOptions
        {
            FollowRedirects = settings.FollowRedirects,
            AcceptAnyCertificate = settings.Insecure,
            ProtocolLogger = settings.Verbose ? new TextProtocolLogger(stderr, "> ", "< ") : null,
            MaxRedirects = 50,
        };
        if (settings.TimeoutSeconds is { } seconds)
        {
            if (seconds <= 0) throw new UsageException("--timeout must be positive");
            options.Timeout = options.ReadTimeout = TimeSpan.FromSeconds(seconds);
        }
        var request = new HttpRequest(settings.Method, uri);
        foreach (var header in settings.Headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw new UsageException($"-H \"{header}\" is not \"Name: value\"");
            request.Headers.Add(header[..colon].Trim(), header[(colon + 1)..].Trim());
        }
        Stream? upload = null;
        if (settings.Data is not null && settings.DataFile is not null) throw new UsageException("give -d or --data-file, not both");
        if (settings.Data is { } data) request.Body = RequestBody.FromString(data, "application/x-www-form-urlencoded");
        else if (settings.DataFile is { } path)
        {
            if (path != "-" && !File.Exists(path)) throw new UsageException($"no such file: {path}");
            upload = path == "-" ? Console.OpenStandardInput() : File.OpenRead(path);
            request.Body = RequestBody.FromStream(upload, path == "-" ? null : upload.Length, "application/octet-stream");
        }

        var started = Stopwatch.GetTimestamp();
        await using var client = new Http1Client(options);
        try
        {
            var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            await using (response.ConfigureAwait(false))
            {
                long bytes = 0;
                var failed = settings.Fail && response.StatusCode >= 400;
                var name = response.Uri.Segments[^1].Length > 1 ? Uri.UnescapeDataString(response.Uri.Segments[^1]) : response.Uri.Host;
                if (failed && !settings.Json)
                {
                    // As curl --fail: no body, a one-line reason and exit 22.
                }
                else if (settings.Method == "HEAD" && !settings.Json)
                {
                    await stdout.WriteLineAsync($"HTTP/{response.Version} {response.StatusCode} {response.ReasonPhrase}".TrimEnd()).ConfigureAwait(false);
                    foreach (var (header, value) in response.Headers) await stdout.WriteLineAsync($"{header}: {value}").ConfigureAwait(false);
                    await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                else if (settings.OutputPath is { } file)
                {
                    var local = LocalFile.Create(file);
                    await using (local.ConfigureAwait(false))
                    {
                        bytes = await CopyAsync(response, local.Stream, name, !settings.Json && !settings.Verbose, cancellationToken).ConfigureAwait(false);
                        await local.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                else if (!settings.Json)
                {
                    var destination = openStdout();
                    await using (destination.ConfigureAwait(false))
                    {
                        // The body goes to stdout: a progress line only when stdout is not the terminal showing it.
                        bytes = await CopyAsync(response, destination, name, !settings.Verbose && Console.IsOutputRedirected, cancellationToken).ConfigureAwait(false);
                        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                var total = Stopwatch.GetElapsedTime(started);
                if (settings.Json)
                {
                    await stdout.WriteLineAsync(ResponseJson.Format(response, bytes, total)).ConfigureAwait(false);
                    await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                if (failed)
                {
                    VerbRunner.Error(stderr, $"{response.Uri} answered {response.StatusCode} {response.ReasonPhrase}".TrimEnd());
                    return ExitCodes.HttpError;
                }
                return ExitCodes.Ok;
            }
        }
        finally
        {
            if (upload is not null) await upload.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<long> CopyAsync(HttpResponse response, Stream destination, string name, bool showProgress, CancellationToken cancellationToken)
    {
        using var progress = showProgress ? TransferProgress.Start(name, response.ContentLength) : null;
        var written = await response.CopyToAsync(destination, progress, cancellationToken).ConfigureAwait(false);
        progress?.Complete();
        return written;
    }

    /// <summary>Accepts http and https URLs; no scheme means http (as curl).</summary>
    internal static Uri ParseUrl(string text)
    {
        if (!text.Contains("://", StringComparison.Ordinal)) text = "http://" + text;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            throw new UsageException($"'{text}' is not an http or https URL");
        return uri;
    }
}
