using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Protocols.Servers.Hosting;
using Protocols.Servers.Http;

namespace Protocols.Servers.Testing;

/// <summary>
/// A throwaway HTTP server for tests: bound on port 0 and ready when <see cref="StartAsync"/> returns; stub routes
/// (<c>server.Stub(r =&gt; r.Get("/x")).Respond(200, "body")</c>; the latest matching stub wins), a journal of every
/// request with <see cref="WaitForRequestAsync"/>, scripted faults, and an optional static root for requests no
/// stub matches. <see cref="DisposeAsync"/> stops and waits.
/// </summary>
public sealed class HttpTestServer : IAsyncDisposable
{
    private readonly HttpTestServerOptions _options;
    private readonly HttpRequestJournal _journal;
    private readonly HttpFileServer? _files;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private volatile HttpStub[] _stubs = [];
    private ProtocolsHost? _host;

    private HttpTestServer(HttpTestServerOptions options)
    {
        _options = options;
        _journal = new HttpRequestJournal(options.JournalCapacity);
        if (options.StaticRoot is not null)
        {
            _files = new HttpFileServer(new HttpServerOptions
            {
                Root = options.StaticRoot,
                AllowUploads = options.AllowUploads,
                MaxUploadBytes = Math.Max(1, options.MaxRecordedBodyBytes),
            });
        }
    }

    /// <summary>Starts a server; it listens when this returns.</summary>
    public static async Task<HttpTestServer> StartAsync(HttpTestServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new HttpTestServerOptions();
        var server = new HttpTestServer(options);
        var builder = new ProtocolsHostBuilder();
        builder.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRecordedBodyBytes);
        builder.AddHttpEndpoint("http", new IPEndPoint(options.Address, options.Port), server.HandleAsync,
            options.UseTls ? EndpointTls.SelfSigned() : null);
        server._host = await builder.StartAsync(cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>The bound endpoint.</summary>
    public IPEndPoint EndPoint => _host!.Endpoints[0].EndPoint;

    /// <summary><c>http://127.0.0.1:PORT/</c> (https with <see cref="HttpTestServerOptions.UseTls"/>).</summary>
    public Uri BaseAddress => new(_host!.Endpoints[0].ToString());

    /// <summary>The certificate when TLS is on (to trust it in a client), else null.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate => _host!.Endpoints[0].Tls?.Certificate;

    /// <summary>Every request received since start or the last <see cref="Reset"/>, oldest first.</summary>
    public IReadOnlyList<HttpRecordedRequest> Requests => _journal.Snapshot();

    /// <summary>The stubs registered now, latest last.</summary>
    public IReadOnlyList<HttpStub> Stubs => _stubs;

    /// <summary>Begins a stub: <c>Stub(r =&gt; r.Get("/x")).Respond(200, "hi")</c>.</summary>
    public HttpStubBuilder Stub(Action<HttpRequestMatcher> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        var matcher = new HttpRequestMatcher();
        match(matcher);
        return new HttpStubBuilder(this, matcher);
    }

    /// <summary>The first request (already received or still to come) that matches, or <see cref="TimeoutException"/>.</summary>
    public Task<HttpRecordedRequest> WaitForRequestAsync(Func<HttpRecordedRequest, bool> predicate, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return _journal.WaitAsync(predicate, timeout, cancellationToken);
    }

    /// <summary>Removes every stub and forgets every request.</summary>
    public void Reset()
    {
        lock (_gate) _stubs = [];
        _journal.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_host is not null) await _host.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    internal HttpStub Add(HttpStub stub)
    {
        lock (_gate) _stubs = [.. _stubs, stub];
        return stub;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            context.Response.Headers.Connection = "close";
            return;
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in request.Headers) headers[header.Key] = header.Value.ToString();
        var connection = context.Connection;
        var recorded = new HttpRecordedRequest(request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? "", headers, body,
            connection.RemoteIpAddress is null ? null : new IPEndPoint(connection.RemoteIpAddress, connection.RemotePort),
            DateTimeOffset.UtcNow, _journal.NextSequence());
        _journal.Add(recorded);

        var stubs = _stubs;
        for (var i = stubs.Length - 1; i >= 0; i--)
        {
            if (!stubs[i].Matcher.Matches(recorded)) continue;
            stubs[i].Hit();
            await RespondAsync(context, stubs[i].Response).ConfigureAwait(false);
            return;
        }
        if (_files is not null)
        {
            request.Body = new MemoryStream(body, writable: false);
            await _files.HandleAsync(context).ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync($"no stub matches {recorded}\n", context.RequestAborted).ConfigureAwait(false);
    }

    // The whole body, or null when it is over the limit.
    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        var limit = _options.MaxRecordedBodyBytes;
        if (context.Request.ContentLength > limit) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit) return null;
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        return buffer.ToArray();
    }

    private async Task RespondAsync(HttpContext context, HttpStubResponse stub)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var cancellationToken = linked.Token;
        if (stub.DelayValue > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(stub.DelayValue, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                context.Abort();
                return;
            }
        }
        if (stub.RawBytes is { } raw)
        {
            await WriteRawAsync(context, raw, cancellationToken).ConfigureAwait(false);
            return;
        }
        var response = context.Response;
        switch (stub.FaultValue)
        {
            case HttpFault.ResetConnection:
                ResetConnection(context);
                return;
            case HttpFault.CloseConnection:
                context.Abort();
                return;
            case HttpFault.Stall:
                await StallAsync(context, cancellationToken).ConfigureAwait(false);
                return;
        }
        response.StatusCode = stub.StatusCode;
        foreach (var (name, value) in stub.Headers) response.Headers.Append(name, value);
        if (stub.ContentType is not null) response.ContentType = stub.ContentType;
        var bytes = stub.BodyBytes;
        switch (stub.FaultValue)
        {
            case HttpFault.StallMidBody:
                response.ContentLength = bytes.Length;
                await response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2), cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                await StallAsync(context, cancellationToken).ConfigureAwait(false);
                return;
            case HttpFault.WrongContentLength:
                response.ContentLength = bytes.Length + 10;
                await response.Body.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                context.Abort();
                return;
        }
        response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method) && bytes.Length > 0)
            await response.Body.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    private static async Task StallAsync(HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            context.Abort();
        }
    }

    private static void ResetConnection(HttpContext context)
    {
        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is not null) socket.LingerState = new LingerOption(true, 0);
        context.Abort();
    }

    private static async Task WriteRawAsync(HttpContext context, byte[] raw, CancellationToken cancellationToken)
    {
        var socket = (context.Request.IsHttps ? null : context.Features.Get<IConnectionSocketFeature>()?.Socket)
            ?? throw new InvalidOperationException("raw responses need a plain socket connection (not TLS)");
        await socket.SendAsync(raw, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Send);
        context.Abort();
    }
}
