using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Protocols.Servers.Metrics;

/// <summary>
/// The <see cref="ProtocolsMetrics.MeterName"/> counters (connections, active connections, messages, bytes,
/// rejections, per <c>protocol</c>) in Prometheus text format, through OpenTelemetry's Prometheus exporter: a request
/// handler to mount anywhere (<see cref="Hosting.DevStack"/> puts it at <c>/_proto/metrics</c>). It reports every
/// meter of that name in the process (one per running stack in <c>proto serve</c>).
/// </summary>
public sealed class PrometheusScrape : IDisposable
{
    private readonly MeterProvider _provider;
    private readonly ServiceProvider _services;

    public PrometheusScrape()
    {
        _provider = Sdk.CreateMeterProviderBuilder().AddMeter(ProtocolsMetrics.MeterName).AddPrometheusExporter().Build();
        _services = new ServiceCollection().BuildServiceProvider();
        var app = new ApplicationBuilder(_services);
        app.UseOpenTelemetryPrometheusScrapingEndpoint(_provider, predicate: _ => true, path: null, configureBranchedPipeline: null, optionsName: null);
        Handle = app.Build();
    }

    /// <summary>Answers any request it is given with the scrape (mount it on the path you want).</summary>
    public RequestDelegate Handle { get; }

    public void Dispose()
    {
        _provider.Dispose();
        _services.Dispose();
    }
}
