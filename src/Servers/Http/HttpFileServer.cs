using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Protocols.Servers.FileSystem;

namespace Protocols.Servers.Http;

/// <summary>
/// The static file server as one request delegate (<see cref="HandleAsync"/>): the Host check, the path normalised
/// once, reserved routes under <c>/_proto/</c>, CORS, basic auth, then GET/HEAD of files and directories and, when
/// enabled, uploads. No middleware stack: this is the whole pipeline.
/// </summary>
public sealed class HttpFileServer
{
    private readonly HttpServerOptions _options;
    private readonly RootedPath _root;
    private readonly FileEntry.Cache _files;
    private readonly FileResponder _responder;
    private readonly UploadHandler _uploads;
    private readonly BasicAuthentication? _authentication;
    private readonly ILogger _logger;
    private readonly string _allowedMethods;

    public HttpFileServer(HttpServerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _root = new RootedPath(options.Root);
        _files = new FileEntry.Cache(options.SmallFileCacheBytes);
        _responder = new FileResponder(options);
        _uploads = new UploadHandler(options, _root, _logger);
        if (options.RequiresAuthentication) _authentication = new BasicAuthentication(options.UserName!, options.Password!, options.Realm);
        _allowedMethods = options.AllowUploads ? "GET, HEAD, PUT, POST, OPTIONS" : "GET, HEAD, OPTIONS";
    }

    /// <summary>The real path of the directory served.</summary>
    public string Root => _root.Root;

    public HttpServerOptions Options => _options;

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await HandleCoreAsync(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            // A malformed body (chunk size, framing) or one over Kestrel's limit: the client's fault, said so.
            context.Response.Headers.Connection = "close";
            await Responses.StatusAsync(context, ex.StatusCode).ConfigureAwait(false);
        }
        catch (UnauthorizedAccessException)
        {
            await Responses.StatusAsync(context, StatusCodes.Status403Forbidden).ConfigureAwait(false);
        }
        catch (IOException ex) when (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
        {
            _logger.LogWarning(ex, "I/O error on {Method} {Path}", context.Request.Method, context.Request.Path.Value);
            await Responses.StatusAsync(context, StatusCodes.Status500InternalServerError).ConfigureAwait(false);
        }
    }

    private Task HandleCoreAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HostCheck.Allows(request.Host, _options.AllowedHosts)) return HostCheck.RefuseAsync(context);
        var path = RequestPath.Normalize(request.Path.Value);
        if (path is null) return Responses.StatusAsync(context, StatusCodes.Status400BadRequest);
        if (!string.Equals(path, request.Path.Value, StringComparison.Ordinal)) request.Path = new PathString(path);
        if (path.Length > 1 && path[1] == '_' && ReservedRoutes.IsReserved(path)) return _options.ReservedRoutes.HandleAsync(context);

        var method = request.Method;
        if (_options.EnableCors && request.Headers.Origin.Count > 0)
        {
            if (Cors.IsPreflight(request))
            {
                Cors.AnswerPreflight(context, _authentication is not null, _allowedMethods);
                return Task.CompletedTask;
            }
            Cors.AddHeaders(context, _authentication is not null);
        }
        if (_authentication is not null && !_authentication.IsAuthorized(request)) return _authentication.ChallengeAsync(context);
        if (!RootedPath.TryValidate(path, out var relative)) return Responses.StatusAsync(context, StatusCodes.Status400BadRequest);

        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method)) return GetAsync(context, path, relative);
        if (_options.AllowUploads && HttpMethods.IsPut(method)) return _uploads.PutAsync(context, relative);
        if (_options.AllowUploads && HttpMethods.IsPost(method)) return PostAsync(context, relative);
        context.Response.Headers.Allow = _allowedMethods;
        if (HttpMethods.IsOptions(method))
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }
        return Responses.StatusAsync(context, StatusCodes.Status405MethodNotAllowed);
    }

    private async Task GetAsync(HttpContext context, string path, string relative)
    {
        using var opened = _root.Open(relative);
        if (opened is null || (!opened.IsDirectory && !opened.IsRegularFile))
        {
            await Responses.StatusAsync(context, StatusCodes.Status404NotFound).ConfigureAwait(false);
            return;
        }
        if (!opened.IsDirectory)
        {
            if (path.EndsWith('/'))
            {
                await Responses.StatusAsync(context, StatusCodes.Status404NotFound).ConfigureAwait(false);
                return;
            }
            var file = await _files.GetAsync(opened, context).ConfigureAwait(false);
            await _responder.RespondAsync(context, file, opened).ConfigureAwait(false);
            return;
        }
        if (!path.EndsWith('/'))
        {
            await Responses.RedirectAsync(context, StatusCodes.Status301MovedPermanently, path + "/" + context.Request.QueryString).ConfigureAwait(false);
            return;
        }
        if (_options.IndexFile is { } index)
        {
            using var indexEntry = _root.OpenIn(opened, index);
            if (indexEntry is { IsRegularFile: true })
            {
                var indexFile = await _files.GetAsync(indexEntry, context).ConfigureAwait(false);
                await _responder.RespondAsync(context, indexFile, indexEntry).ConfigureAwait(false);
                return;
            }
        }
        if (!_options.DirectoryListing)
        {
            await Responses.StatusAsync(context, StatusCodes.Status403Forbidden).ConfigureAwait(false);
            return;
        }
        await ListAsync(context, opened).ConfigureAwait(false);
    }

    private async Task ListAsync(HttpContext context, OpenedEntry directory)
    {
        var urlPath = _root.ToUrlPath(directory.RealPath);
        if (!urlPath.EndsWith('/')) urlPath += "/";
        var entries = DirectoryListing.Read(directory, _root);
        var json = DirectoryListing.WantsJson(context.Request);
        var body = json ? DirectoryListing.Json(urlPath, entries) : DirectoryListing.Html(urlPath, entries, _options.AllowUploads, _options.ReservedRoutes.Names);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = json ? "application/json; charset=utf-8" : "text/html; charset=utf-8";
        response.Headers.Vary = "Accept";
        response.Headers.CacheControl = "no-cache";
        response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method)) await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task PostAsync(HttpContext context, string relative)
    {
        using var directory = _root.Open(relative);
        if (directory is not { IsDirectory: true })
        {
            await Responses.TextAsync(context, directory is null ? StatusCodes.Status404NotFound : StatusCodes.Status405MethodNotAllowed,
                "POST a multipart form to an existing directory\n").ConfigureAwait(false);
            return;
        }
        await _uploads.PostFormAsync(context, directory).ConfigureAwait(false);
    }
}
