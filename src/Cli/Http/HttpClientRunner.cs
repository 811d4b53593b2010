using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Authentication;
using Protocols.Http;

namespace Protocols.Cli.Http;

/// <summary>Runs one client verb: builds the request, sends it, writes the body or a JSON summary, maps failures to exit codes.</summary>
internal static class HttpClientRunner
{
    /// <summary>Exit code for a status of 400 or more with --fail (curl's).</summary>
    public const int HttpErrorExit = 22;

    public static async Task<int> RunAsync(HttpClientSettings settings, TextWriter stdout, TextWriter stderr, Func<Stream> openStdout, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(settings, stdout, stderr, openStdout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("proto: cancelled").ConfigureAwait(false);
            return 130;
        }
        catch (Exception e) when (e is IOException or TimeoutException or AuthenticationException or SocketException or ArgumentException or UriFormatException or UnauthorizedAccessException or HttpRedirectLimitException)
        {
            await stderr.WriteLineAsync("proto: " + Describe(e)).ConfigureAwait(false);
            return 1;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug of ours rather than a network or server failure: still one line, with the type to report it by.
            await stderr.WriteLineAsync($"proto: unexpected {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
            return 70;
        }
    }

    private static string Describe(Exception e) => e switch
    {
        AuthenticationException => $"TLS failed: {e.Message} (-k accepts any certificate)",
        SocketException s => $"cannot connect: {s.Message}",
        IOException { InnerException: SocketException s } => $"connection failed: {s.Message}",
        _ => e.Message.ReplaceLineEndings(" "),
    };

    private static async Task<int> SendAsync(HttpClientSettings settings, TextWriter stdout, TextWriter stderr, Func<Stream> openStdout, CancellationToken cancellationToken)
    {
        var uri = ParseUrl(settings.Url);
        var options = new HttpClientOptions
        {
            FollowRedirects = settings.FollowRedirects,
            AcceptAnyCertificate = settings.Insecure,
            Transcript = settings.Verbose ? new TextWriterTranscript(stderr) : null,
            MaxRedirects = 50,
        };
        if (settings.TimeoutSeconds is { } seconds)
        {
            if (seconds <= 0) throw new ArgumentException("--timeout must be positive");
            options.Timeout = options.ReadTimeout = TimeSpan.FromSeconds(seconds);
        }
        var request = new HttpRequest(settings.Method, uri);
        foreach (var header in settings.Headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw new ArgumentException($"-H \"{header}\" is not \"Name: value\"");
            request.Headers.Add(header[..colon].Trim(), header[(colon + 1)..].Trim());
        }
        Stream? upload = null;
        if (settings.Data is not null && settings.DataFile is not null) throw new ArgumentException("give -d or --data-file, not both");
        if (settings.Data is { } data) request.Body = RequestBody.FromString(data, "application/x-www-form-urlencoded");
        else if (settings.DataFile is { } path)
        {
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
                if (settings.Method == "HEAD" && !settings.Json)
                {
                    await stdout.WriteLineAsync($"HTTP/{response.Version} {response.StatusCode} {response.ReasonPhrase}".TrimEnd()).ConfigureAwait(false);
                    foreach (var (name, value) in response.Headers) await stdout.WriteLineAsync($"{name}: {value}").ConfigureAwait(false);
                    await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                else if (settings.OutputPath is { } file)
                {
                    var destination = File.Create(file);
                    await using (destination.ConfigureAwait(false))
                    {
                        bytes = await DownloadProgress.CopyAsync(response, destination, showBar: !settings.Json && !settings.Verbose && !Console.IsErrorRedirected, cancellationToken).ConfigureAwait(false);
                    }
                }
                else if (!settings.Json)
                {
                    var destination = openStdout();
                    await using (destination.ConfigureAwait(false))
                    {
                        var bar = !settings.Verbose && Console.IsOutputRedirected && !Console.IsErrorRedirected;
                        bytes = await DownloadProgress.CopyAsync(response, destination, bar, cancellationToken).ConfigureAwait(false);
                        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                var total = Stopwatch.GetElapsedTime(started);
                if (settings.Json)
                {
                    await stdout.WriteLineAsync(ResponseJson.Format(response, bytes, total)).ConfigureAwait(false);
                    await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                if (settings.Fail && response.StatusCode >= 400)
                {
                    await stderr.WriteLineAsync($"proto: {response.Uri} answered {response.StatusCode} {response.ReasonPhrase}".TrimEnd()).ConfigureAwait(false);
                    return HttpErrorExit;
                }
                return 0;
            }
        }
        finally
        {
            if (upload is not null) await upload.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Accepts http and https URLs; no scheme means http (as curl).</summary>
    internal static Uri ParseUrl(string text)
    {
        if (!text.Contains("://", StringComparison.Ordinal)) text = "http://" + text;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"'{text}' is not an http or https URL");
        return uri;
    }
}
