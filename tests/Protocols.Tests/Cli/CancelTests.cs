using System.Net;
using System.Net.Sockets;

namespace Protocols.Tests.Cli;

/// <summary>
/// Ctrl+C (SIGINT) during any client verb prints <c>proto: cancelled</c> and exits 130; a server verb stops cleanly
/// with 0. The clients here wait on a server that accepts and never answers, so SIGINT always lands mid-operation.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public class CancelTests
{
    private static IEnumerable<TestCaseData> ClientVerbs()
    {
        string[][] verbs =
        [
            ["smtp", "send", "-s", "127.0.0.1:{port}", "-f", "a@example.org", "-t", "b@example.org"],
            ["ftp", "ls", "ftp://127.0.0.1:{port}/"], ["ftp", "get", "ftp://127.0.0.1:{port}/f", "-o", "{dir}/f"],
            ["ftp", "put", "{dir}/up.txt", "ftp://127.0.0.1:{port}/"], ["ftp", "rm", "ftp://127.0.0.1:{port}/f"],
            ["ftp", "mkdir", "ftp://127.0.0.1:{port}/d"], ["ftp", "rmdir", "ftp://127.0.0.1:{port}/d"], ["ftp", "mv", "ftp://127.0.0.1:{port}/f", "g"],
            ["http", "get", "http://127.0.0.1:{port}/"], ["http", "head", "http://127.0.0.1:{port}/"], ["http", "delete", "http://127.0.0.1:{port}/"],
            ["http", "put", "http://127.0.0.1:{port}/", "-d", "x"], ["http", "post", "http://127.0.0.1:{port}/", "-d", "x"],
        ];
        return verbs.Select(v => new TestCaseData((object)v).SetArgDisplayNames(v[0] + " " + v[1]));
    }

    [TestCaseSource(nameof(ClientVerbs))]
    public async Task Sigint_during_a_client_verb_prints_cancelled_and_exits_130(string[] verb)
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var dir = Directory.CreateTempSubdirectory("proto-cancel-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "up.txt"), "upload");
            await using var proto = ProtoProcess.Start(verb.Select(a => a.Replace("{port}", port, StringComparison.Ordinal).Replace("{dir}", dir, StringComparison.Ordinal)));
            using var accepted = await silent.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(60));
            // No pause: SIGINT lands as soon as the verb has connected, while it may still be on its way to the first
            // wait (proto listens for it from before the verb starts; the verb must stop at its next step).
            await proto.InterruptAsync();
            Assert.That(await proto.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(130), proto.Stderr);
            Assert.That(proto.Stderr.TrimEnd(), Does.EndWith("proto: cancelled"));
            Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EqualTo(new[] { "up.txt" }), "a cancelled download leaves no file");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestCase("smtp", "serve", "-p", "0")]
    [TestCase("ftp", "serve", "-p", "0")]
    public async Task Sigint_stops_a_server_verb_cleanly_with_0(params string[] args)
    {
        await using var proto = ProtoProcess.Start(args);
        await proto.WaitForStderrAsync("Ctrl+C");
        await proto.InterruptAsync();
        Assert.That(await proto.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.Zero, proto.Stderr);
    }
}
