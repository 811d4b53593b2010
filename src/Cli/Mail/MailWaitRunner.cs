using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Protocols.Http;

namespace Protocols.Cli.Mail;

internal sealed record MailWaitSettings(string Server, string? Query, string? Since, TimeSpan Timeout, bool Json);

/// <summary>
/// Long-polls <c>api/wait</c> of a running <c>proto serve</c> with our own HTTP client until a match or the deadline
/// (asking again while the server's own wait limit is shorter). Exit codes: 0 found (its id and a summary on stdout),
/// 1 timed out or the server cannot be reached, 2 bad arguments (the server's 400 included: it names the problem).
/// </summary>
internal static class MailWaitRunner
{
    public static async Task<int> RunAsync(MailWaitSettings settings, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(settings.Server.Contains("://", StringComparison.Ordinal) ? settings.Server : "http://" + settings.Server, UriKind.Absolute, out var server)
            || server.Scheme is not ("http" or "https"))
            return await FailAsync(stderr, 2, $"--server must be an http(s) URL: {settings.Server}").ConfigureAwait(false);
        if (!server.AbsolutePath.EndsWith('/')) server = new Uri(server + "/");

        var deadline = DateTimeOffset.UtcNow + settings.Timeout;
        var options = new HttpClientOptions { FollowRedirects = false, AcceptAnyCertificate = true, ConnectTimeout = TimeSpan.FromSeconds(10) };
        await using var client = new Http1Client(options);
        while (true)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero) break;
            var parameters = new List<string> { "timeout=" + Math.Max(0.1, left.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture) };
            if (settings.Query is { } q) parameters.Add("query=" + Uri.EscapeDataString(q));
            if (settings.Since is { } s) parameters.Add("since=" + Uri.EscapeDataString(s));
            var uri = new Uri(server, "api/wait?" + string.Join('&', parameters));
            options.Timeout = options.ReadTimeout = left + TimeSpan.FromSeconds(10);
            int status;
            string body;
            try
            {
                var response = await client.SendAsync(new HttpRequest("GET", uri), cancellationToken).ConfigureAwait(false);
                await using (response.ConfigureAwait(false))
                {
                    status = response.StatusCode;
                    body = await response.ReadAsStringAsync(1024 * 1024, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return await FailAsync(stderr, 130, "cancelled").ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or Protocols.Http.HttpProtocolException or TimeoutException)
            {
                var reason = e is SocketException or IOException { InnerException: SocketException } ? "cannot connect" : e.Message.ReplaceLineEndings(" ");
                return await FailAsync(stderr, 1, $"{server.Authority}: {reason} (is proto serve running? --server gives the mail page's address)").ConfigureAwait(false);
            }
            switch (status)
            {
                case 200:
                    await stdout.WriteLineAsync(settings.Json ? body.Trim() : Summary(body)).ConfigureAwait(false);
                    await stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return 0;
                case 408:
                    continue; // the server's wait ended before ours: ask again until our deadline
                case 400:
                    return await FailAsync(stderr, 2, ErrorOf(body)).ConfigureAwait(false);
                default:
                    return await FailAsync(stderr, 1, $"{uri.GetLeftPart(UriPartial.Path)} answered {status}: {ErrorOf(body)}").ConfigureAwait(false);
            }
        }
        return await FailAsync(stderr, 1, $"no matching message arrived within {settings.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s").ConfigureAwait(false);
    }

    /// <summary>"ID  from -> to: subject (N bytes)", from the API's summary.</summary>
    internal static string Summary(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var to = root.TryGetProperty("envelopeTo", out var list) ? string.Join(", ", list.EnumerateArray().Select(e => e.GetString())) : "";
        var subject = root.TryGetProperty("subject", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : "(no subject)";
        return string.Create(CultureInfo.InvariantCulture,
            $"{root.GetProperty("id").GetString()} {root.GetProperty("envelopeFrom").GetString()} -> {to}: {subject} ({root.GetProperty("size").GetInt64()} bytes)");
    }

    private static string ErrorOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String) return error.GetString()!;
        }
        catch (JsonException)
        {
            // not the API's JSON: show the start of it
        }
        var line = body.ReplaceLineEndings(" ").Trim();
        return line.Length > 200 ? line[..200] + "..." : line;
    }

    private static async Task<int> FailAsync(TextWriter stderr, int code, string message)
    {
        await stderr.WriteLineAsync($"proto mail wait: {message}").ConfigureAwait(false);
        return code;
    }
}
