using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Protocols.Servers.Hosting;

/// <summary>
/// The one Kestrel application behind every HTTP endpoint of a host: it finds the endpoint's request delegate
/// (stored in the connection's items when the connection was accepted) and calls it. No middleware stack, no
/// routing, one reused <see cref="DefaultHttpContext"/> per connection: the lean path.
/// </summary>
internal sealed class EndpointDispatchApplication : IHttpApplication<EndpointDispatchApplication.Context>
{
    internal static readonly object ApplicationKey = new();

    internal sealed class Context
    {
        public DefaultHttpContext? HttpContext;
        public RequestDelegate? Application;
    }

    public Context CreateContext(IFeatureCollection contextFeatures)
    {
        Context? context = null;
        if (contextFeatures is IHostContextContainer<Context> container)
        {
            context = container.HostContext;
            if (context is null)
            {
                context = new Context();
                container.HostContext = context;
            }
        }
        context ??= new Context();
        if (context.HttpContext is null) context.HttpContext = new DefaultHttpContext(contextFeatures);
        else context.HttpContext.Initialize(contextFeatures);
        context.Application ??= FindApplication(contextFeatures);
        return context;
    }

    public Task ProcessRequestAsync(Context context)
    {
        if (context.Application is null)
        {
            context.HttpContext!.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        return context.Application(context.HttpContext!);
    }

    public void DisposeContext(Context context, Exception? exception) => context.HttpContext?.Uninitialize();

    private static RequestDelegate? FindApplication(IFeatureCollection features) =>
        features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ApplicationKey, out var app) == true
            ? app as RequestDelegate
            : null;
}
