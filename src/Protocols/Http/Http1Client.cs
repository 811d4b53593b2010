using System.Diagnostics;
using System.IO.Compression;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Protocols.Net;

namespace Protocols.Http;

/// <summary>
/// An HTTP/1.1 client on our stream layer, with a keep-alive pool per origin. Named <c>Http1Client</c> rather than
/// <c>HttpClient</c> so that code with .NET's implicit <c>using System.Net.Http</c> can use both without aliases.
/// Thread-safe: many requests may run at once.
/// </summary>
public sealed partial class Http1Client : IAsyncDisposable
{
    private readonly HttpClientOptions _options;
    private readonly ConnectionPool _pool;

    public Http1Client(HttpClientOptions? options = null)
    {
        _options = options ?? new HttpClientOptions();
        _pool = new ConnectionPool(_options);
    }

    /// <summary>The options this client was made with.</summary>
    public HttpClientOptions Options => _options;

    /// <summary>Idle kept-alive connections in the pool.</summary>
    public int IdleConnectionCount => _pool.IdleCount;

    /// <summary>
    /// Sends a request and returns once the response head has arrived, following redirects when
    /// <see cref="HttpClientOptions.FollowRedirects"/>. Dispose the response (after reading its body) to free the connection.
    /// A server that breaks the protocol throws <see cref="HttpProtocolException"/>; <see cref="HttpClientOptions.Timeout"/>
    /// or an idle read past <see cref="HttpClientOptions.ReadTimeout"/> throws <see cref="TimeoutException"/>; the caller's
    /// token throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<HttpResponse> SendAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var current = request;
        var redirects = 0;
        while (true)
        {
            var response = await SendOnceAsync(current, cancellationToken).ConfigureAwait(false);
            response.RedirectCount = redirects;
            var next = _options.FollowRedirects ? Redirects.Next(current, response, _options) : null;
            if (next is null) return response;
            await response.DisposeAsync().ConfigureAwait(false);
            if (++redirects > _options.MaxRedirects) throw new HttpRedirectLimitException(_options.MaxRedirects, next.Uri);
            _options.ProtocolLogger?.LogInfo($"Following {response.StatusCode} redirect to {next.Uri}");
            current = next;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HttpResponse> SendOnceAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var origin = HttpOrigin.From(request.Uri);
        var started = Stopwatch.GetTimestamp();
        var firstAttempt = 0;
        // Keep-alive fast path: an idle connection is there, and its own reusable timer bounds the request.
        if (_pool.TryRentIdle(origin, out var idle))
        {
            var timer = idle.RequestTimer;
            timer.Timeout = _options.Timeout;
            try
            {
                var token = timer.Start(cancellationToken);
                var head = await ExchangeAsync(idle.Connection, idle.Strings, request, token).ConfigureAwait(false);
                return CreateResponse(request, head, idle, Stopwatch.GetElapsedTime(started));
            }
            catch (Exception e) when (IsStale(e) && (request.Body?.CanReplay ?? true))
            {
                idle.Release(reusable: false);
                _options.ProtocolLogger?.LogInfo("The kept-alive connection was closed by the server; retrying on a new one");
                firstAttempt = 1;
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && timer.HasFired)
            {
                idle.Release(reusable: false);
                throw NoResponse(origin, e);
            }
            catch
            {
                idle.Release(reusable: false);
                throw;
            }
            finally
            {
                timer.Stop();
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_options.Timeout != Timeout.InfiniteTimeSpan) timeout.CancelAfter(_options.Timeout);
        try
        {
            for (var attempt = firstAttempt; ; attempt++)
            {
                var lease = await _pool.RentAsync(origin, timeout.Token).ConfigureAwait(false);
                try
                {
                    var head = await ExchangeAsync(lease.Connection, lease.Strings, request, timeout.Token).ConfigureAwait(false);
                    return CreateResponse(request, head, lease, Stopwatch.GetElapsedTime(started));
                }
                catch (Exception e) when (attempt == 0 && lease.IsReused && IsStale(e) && (request.Body?.CanReplay ?? true))
                {
                    lease.Release(reusable: false);
                    _options.ProtocolLogger?.LogInfo("The kept-alive connection was closed by the server; retrying on a new one");
                }
                catch
                {
                    lease.Release(reusable: false);
                    throw;
                }
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            throw NoResponse(origin, e);
        }
    }

    private TimeoutException NoResponse(HttpOrigin origin, Exception e) =>
        new($"no response from {origin} within {_options.Timeout.TotalSeconds:0.###} s", e);

    /// <summary>A kept-alive connection the server had closed: nothing of a response arrived.</summary>
    private static bool IsStale(Exception e) => e switch
    {
        ConnectionClosedException => true,
        HttpProtocolException { Error: HttpError.Truncated, InnerException: IncompleteReadException { Partial.IsEmpty: true } } => true,
        IOException { InnerException: SocketException } => true,
        _ => false,
    };

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ResponseHead> ExchangeAsync(Connection connection, FieldStrings strings, HttpRequest request, CancellationToken cancellationToken)
    {
        var log = connection.Log;
        log?.ServerPayload(false);
        var chunked = RequestHead.Write(connection.Writer, request, _options);
        if (request.Body is { } body)
        {
            log?.ClientPayload(true);
            try
            {
                await body.WriteAsync(connection.Writer, chunked, request.Trailers, request.UploadProgress, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                log?.ClientPayload(false);
            }
        }
        else
        {
            await connection.Writer.DrainAsync(cancellationToken).ConfigureAwait(false);
        }

        connection.WaitForReply(cancellationToken); // the reply is usually on its way: wait for it on this thread (see Connection.WaitReadable)
        var parser = new ResponseHeadParser(_options) { Strings = strings };
        while (true)
        {
            ResponseHead head;
            try
            {
                head = await connection.Reader.ReadAsync<ResponseHeadParser, ResponseHead>(parser, _options.MaxHeadLength + 1L, cancellationToken).ConfigureAwait(false);
            }
            catch (IncompleteReadException e)
            {
                throw new HttpProtocolException(HttpError.Truncated,
                    e.Partial.IsEmpty ? "the server closed the connection without a response" : "the server closed the connection in the middle of the response head", e);
            }
            // Interim responses (100 Continue, 103 Early Hints) are skipped; 101 ends HTTP on this connection.
            if (head.StatusCode is >= 100 and < 200 and not 101) continue;
            log?.ServerPayload(true); // the body is not logged; the next response head is
            return head;
        }
    }

    private HttpResponse CreateResponse(HttpRequest request, ResponseHead head, PooledConnection lease, TimeSpan elapsed)
    {
        var headers = head.Headers;
        var keepAlive = head.Version == System.Net.HttpVersion.Version11
            ? !headers.HasToken("Connection", "close")
            : headers.HasToken("Connection", "keep-alive");
        if (request.Headers.HasToken("Connection", "close") || head.StatusCode == 101) keepAlive = false;
        var trailers = new HttpFields();

        BodyStream raw;
        var noBody = request.Method == "HEAD" || head.StatusCode is 204 or 304 || (head.StatusCode is >= 100 and < 200 && head.StatusCode != 101);
        if (noBody)
        {
            lease.KeepAlive = keepAlive;
            raw = new ContentLengthBodyStream(lease, 0);
        }
        else if (headers.Contains("Transfer-Encoding"))
        {
            // With both, Transfer-Encoding wins and the connection is not reused (RFC 9112 §6.3 rule 3).
            if (headers.Contains("Content-Length")) keepAlive = false;
            lease.KeepAlive = keepAlive;
            var codings = string.Join(',', headers.GetValues("Transfer-Encoding")).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            raw = codings.Length > 0 && codings[^1].Equals("chunked", StringComparison.OrdinalIgnoreCase)
                ? new ChunkedBodyStream(lease, _options, trailers)
                : new CloseDelimitedBodyStream(lease);
        }
        else if (ParseContentLength(headers) is { } length)
        {
            lease.KeepAlive = keepAlive;
            raw = new ContentLengthBodyStream(lease, length);
        }
        else
        {
            lease.KeepAlive = keepAlive;
            raw = new CloseDelimitedBodyStream(lease);
        }

        var (body, decoded) = noBody ? (raw, false) : Decoding.Wrap(raw, request, headers, _options);
        return new HttpResponse(request, head, raw, body, decoded, lease, trailers, elapsed);
    }

    /// <summary>Content-Length, possibly repeated or a list of equal values (RFC 9112 §6.3 rule 5); anything else is an error.</summary>
    internal static long? ParseContentLength(HttpFields headers)
    {
        long? length = null;
        foreach (var (name, value) in headers)
        {
            if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var range in value.AsSpan().Split(','))
            {
                var part = value.AsSpan(range).Trim();
                if (part.Length is 0 or > 18 || part.ContainsAnyExceptInRange('0', '9'))
                    throw new HttpProtocolException(HttpError.BadContentLength, $"Content-Length \"{value}\" is not a length");
                var n = long.Parse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
                if (length is { } seen && seen != n) throw new HttpProtocolException(HttpError.BadContentLength, "two different Content-Length values");
                length = n;
            }
        }
        return length;
    }

    public async ValueTask DisposeAsync() => await _pool.DisposeAsync().ConfigureAwait(false);
}

/// <summary>Undoing Content-Encoding (RFC 9110 §8.4) with System.IO.Compression.</summary>
internal static class Decoding
{
    public const string AcceptEncoding = "gzip, deflate, br";

    public static (Stream Body, bool Decoded) Wrap(Stream raw, HttpRequest request, HttpFields headers, HttpClientOptions options)
    {
        if (!options.AutomaticDecompression || !headers.Contains("Content-Encoding") || request.Headers.Contains("Accept-Encoding")) return (raw, false);
        var codings = string.Join(',', headers.GetValues("Content-Encoding")).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (codings.Length == 0) return (raw, false);
        var body = raw;
        for (var i = codings.Length - 1; i >= 0; i--)
        {
            Stream? next = codings[i].ToLowerInvariant() switch
            {
                "gzip" or "x-gzip" => new GZipStream(body, CompressionMode.Decompress),
                "deflate" => new ZLibStream(body, CompressionMode.Decompress),
                "br" => new BrotliStream(body, CompressionMode.Decompress),
                "identity" => body,
                _ => null,
            };
            if (next is null) return (raw, false); // an unknown coding: hand over the bytes as sent
            body = next;
        }
        return (body, !ReferenceEquals(body, raw));
    }
}
