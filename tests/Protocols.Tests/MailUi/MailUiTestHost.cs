using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Protocols.Servers.Mail;
using Protocols.Servers.MailUi;
using Protocols.Servers.Metrics;

namespace Protocols.Tests.MailUi;

/// <summary>A Kestrel app on 127.0.0.1 port 0 with the captured-mail page mapped at /_proto/mail; an HttpClient pointed at it.</summary>
internal sealed class MailUiTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MailUiTestHost(WebApplication app, IMailStore store, ProtocolsMetrics metrics, Uri baseAddress, CapturedMailApp mailApp)
    {
        MailApp = mailApp;
        _app = app;
        Store = store;
        Metrics = metrics;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(20) };
    }

    public IMailStore Store { get; }

    public CapturedMailApp MailApp { get; }

    public ProtocolsMetrics Metrics { get; }

    public HttpClient Client { get; }

    public static async Task<MailUiTestHost> StartAsync(CapturedMailOptions? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var store = await MailStores.OpenAsync(null);
        var metrics = new ProtocolsMetrics();
        var mailApp = new CapturedMailApp(store, metrics, options);
        app.MapCapturedMail(mailApp);
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(20));
        var address = app.Urls.Single();
        return new MailUiTestHost(app, store, metrics, new Uri(address + "/_proto/mail/"), mailApp);
    }

    public async Task<Protocols.Servers.Mail.MailSummary> AddAsync(string raw, string from = "sender@example.com", params string[] to) =>
        await Store.AppendAsync(new MailToAppend(System.Text.Encoding.UTF8.GetBytes(raw), from, to.Length == 0 ? ["rcpt@example.com"] : to));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await _app.DisposeAsync();
        Metrics.Dispose();
        await Store.DisposeAsync();
    }
}
