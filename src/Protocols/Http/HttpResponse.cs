using System.Text;

namespace Protocols.Http;

/// <summary>
/// A response whose head has arrived; the body is a stream read from the connection as you go. The connection goes back
/// to the pool when the body has been read to its end (and the server allowed keep-alive); disposing earlier closes it
/// (after reading up to 64 KiB of what is left, so a small unread body does not cost the connection).
/// </summary>
public sealed class HttpResponse : IAsyncDisposable
{
    private const long DrainLimit = 64 * 1024;
    private readonly BodyStream _raw;
    private readonly PooledConnection _lease;
    private int _disposed;

    internal HttpResponse(HttpRequest request, ResponseHead head, BodyStream raw, Stream body, bool decoded, PooledConnection lease, HttpFields trailers, TimeSpan headElapsed)
    {
        Request = request;
        Version = head.Version;
        StatusCode = head.StatusCode;
        ReasonPhrase = head.ReasonPhrase;
        Headers = head.Headers;
        Trailers = trailers;
        _raw = raw;
        Body = body;
        IsDecoded = decoded;
        _lease = lease;
        HeadElapsed = headElapsed;
    }

    /// <summary>The request this answers (after redirects, the last one sent).</summary>
    public HttpRequest Request { get; }

    /// <summary>The URL this response came from.</summary>
    public Uri Uri => Request.Uri;

    /// <summary>How many redirects were followed to get here.</summary>
    public int RedirectCount { get; internal set; }

    public Version Version { get; }
    public int StatusCode { get; }
    public string ReasonPhrase { get; }
    public HttpFields Headers { get; }

    /// <summary>Trailer fields of a chunked body; filled once the body has been read to its end.</summary>
    public HttpFields Trailers { get; }

    /// <summary>The body, decoded when <see cref="IsDecoded"/> (gzip, deflate, br).</summary>
    public Stream Body { get; }

    /// <summary>True when a Content-Encoding was undone: <see cref="Body"/> yields the decoded bytes.</summary>
    public bool IsDecoded { get; }

    /// <summary>From sending the request to having the response head (connecting included).</summary>
    public TimeSpan HeadElapsed { get; }

    /// <summary>Body bytes read from the wire so far (before decoding).</summary>
    public long BodyBytesRead => _raw.BytesRead;

    /// <summary>True once the body has been read to its end.</summary>
    public bool IsBodyComplete => _raw.IsEnded;

    /// <summary>200 to 299.</summary>
    public bool IsSuccessStatusCode => StatusCode is >= 200 and <= 299;

    /// <summary>The Content-Length header as sent (the encoded length when the body is decoded), or null.</summary>
    public long? ContentLength => long.TryParse(Headers.Get("Content-Length"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>Throws <see cref="HttpStatusException"/> for a status of 400 or more.</summary>
    public HttpResponse EnsureSuccessStatusCode()
    {
        if (StatusCode >= 400) throw new HttpStatusException(StatusCode, ReasonPhrase, Uri);
        return this;
    }

    /// <summary>Reads the whole body into memory; more than <paramref name="maxLength"/> bytes throws <see cref="Net.LimitExceededException"/>.</summary>
    public async Task<byte[]> ReadAsBytesAsync(long maxLength = 64L * 1024 * 1024, CancellationToken cancellationToken = default)
    {
        using var memory = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            if (memory.Length + read > maxLength) throw new Net.LimitExceededException(maxLength, "the response body");
            memory.Write(buffer, 0, read);
        }
        return memory.ToArray();
    }

    /// <summary>Reads the whole body as UTF-8 text (bounded like <see cref="ReadAsBytesAsync"/>).</summary>
    public async Task<string> ReadAsStringAsync(long maxLength = 64L * 1024 * 1024, CancellationToken cancellationToken = default) =>
        Encoding.UTF8.GetString(await ReadAsBytesAsync(maxLength, cancellationToken).ConfigureAwait(false));

    /// <summary>Copies the body into <paramref name="destination"/>; <paramref name="progress"/> hears the body bytes read from the wire. Returns the bytes written.</summary>
    public async Task<long> CopyToAsync(Stream destination, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _raw.Progress = progress;
        if (!IsDecoded)
        {
            var before = _raw.BytesRead;
            await _raw.CopyToAsync(destination, 81920, cancellationToken).ConfigureAwait(false);
            return _raw.BytesRead - before;
        }
        var counting = new byte[81920];
        long written = 0;
        while (true)
        {
            var read = await Body.ReadAsync(counting, cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            await destination.WriteAsync(counting.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            written += read;
        }
        return written;
    }

    /// <summary>Gives the connection back (when the body was read) or closes it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (!_raw.IsEnded)
        {
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _raw.DrainAsync(DrainLimit, drain.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException)
            {
                // The rest of the body could not be skipped: the connection is closed below instead of reused.
            }
        }
        _lease.Release(reusable: false); // no-op when the body's end already gave the connection back
        if (!ReferenceEquals(Body, _raw)) await Body.DisposeAsync().ConfigureAwait(false);
        await _raw.DisposeAsync().ConfigureAwait(false);
    }
}
