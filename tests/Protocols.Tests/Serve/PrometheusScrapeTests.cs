using System.Text.RegularExpressions;
using Protocols.Tests.Support;

namespace Protocols.Tests.Serve;

/// <summary>Issue 16.5: <c>/_proto/metrics</c> of a real <c>proto serve</c>, scraped by curl, in Prometheus text format.</summary>
[TestFixture]
[Category("Cli")]
public class PrometheusScrapeTests
{
    [Test]
    public async Task ProtoServe_ExportsThePagesCounters_AtProtoMetrics()
    {
        await using var serve = await RunningServe.StartAsync();
        for (var i = 0; i < 3; i++)
            await RawSmtp.SendAsync(serve.Smtp, "alice@example.com", "bob@example.com", $"Subject: m{i}\r\n\r\nbody {i}\r\n");
        var curl = Peers.Require("curl");
        var url = new Uri(serve.Http, "_proto/metrics").ToString();
        PeerRunner.Result scrape;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            // The exporter caches a scrape briefly: ask until the counts are in (bounded).
            scrape = await PeerRunner.RunAsync(curl, ["-sS", "-i", "--max-time", "10", url]);
            Assert.That(scrape.ExitCode, Is.Zero, scrape.Stderr);
            if (Regex.IsMatch(scrape.Stdout, @"protocols_messages_total\{[^}]*protocol=""smtp""[^}]*\} 3\b")) break;
            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.That(scrape.Stdout, Does.StartWith("HTTP/1.1 200"));
        Assert.That(scrape.Stdout, Does.Contain("Content-Type: text/plain; version=0.0.4").IgnoreCase);
        Assert.That(scrape.Stdout, Does.Contain("# TYPE protocols_messages_total counter"));
        Assert.That(scrape.Stdout, Does.Match(@"protocols_messages_total\{[^}]*protocol=""smtp""[^}]*\} 3\b"), scrape.Stdout);
        Assert.That(scrape.Stdout, Does.Match(@"protocols_connections_total\{[^}]*protocol=""smtp""[^}]*\} 3\b"), scrape.Stdout);
        Assert.That(scrape.Stdout, Does.Match(@"protocols_connections_active\{[^}]*protocol=""smtp""[^}]*\} 0\b"), "every session has ended");
        Assert.That(scrape.Stdout, Does.Contain("# TYPE protocols_connections_active gauge"));
    }
}
