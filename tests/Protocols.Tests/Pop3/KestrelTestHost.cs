using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Protocols.Servers.Hosting;

namespace Protocols.Tests.Pop3;

/// <summary>One endpoint on 127.0.0.1, port 0, configured by the test, on the one hosting path (<see cref="ProtocolsHostBuilder"/>); ready on return.</summary>
internal sealed class KestrelTestHost : IAsyncDisposable
{
    private readonly ProtocolsHost _host;

    private KestrelTestHost(ProtocolsHost host) => _host = host;

    public int Port => _host.GetEndPoint("test").Port;

    public static async Task<KestrelTestHost> StartAsync(Action<ListenOptions> configure)
    {
        var builder = new ProtocolsHostBuilder();
        builder.AddEndpoint("test", EndpointKind.Tcp, new IPEndPoint(IPAddress.Loopback, 0), configure);
        return new KestrelTestHost(await builder.StartAsync().WaitAsync(TimeSpan.FromSeconds(20)));
    }

    public async ValueTask DisposeAsync() => await _host.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
}
