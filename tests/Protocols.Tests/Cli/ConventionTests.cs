using System.Net;
using System.Net.Sockets;

namespace Protocols.Tests.Cli;

/// <summary>
/// The exit-code table and the message rules of docs/cli.md, per verb, against the real <c>proto</c> process:
/// usage problems exit 2 with one line naming the problem, failures exit 1, no message shows a password.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public class ConventionTests
{
    private const string Url = "ftp://bob:pw@127.0.0.1:1/dir/";

    private static readonly string[][] Verbs =
    [
        ["smtp", "send", "-s", "127.0.0.1:1", "-f", "a@example.org", "-t", "b@example.org"],
        ["smtp", "serve", "-p", "0"],
        ["ftp", "ls", Url], ["ftp", "get", Url + "f"], ["ftp", "put", "f", Url], ["ftp", "rm", Url + "f"],
        ["ftp", "mkdir", Url + "d"], ["ftp", "rmdir", Url + "d"], ["ftp", "mv", Url + "f", "g"], ["ftp", "serve", "-p", "0"],
        ["http", "get", "http://127.0.0.1:1/"], ["http", "head", "http://127.0.0.1:1/"], ["http", "delete", "http://127.0.0.1:1/"],
        ["http", "put", "http://127.0.0.1:1/", "-d", "x"], ["http", "post", "http://127.0.0.1:1/", "-d", "x"], ["http", "serve", "-p", "0"],
        ["serve", "--smtp-port", "0"],
    ];

    private static IEnumerable<TestCaseData> EveryVerb() => Verbs.Select(v => new TestCaseData((object)v).SetArgDisplayNames(string.Join(' ', v.Take(2))));

    [TestCaseSource(nameof(EveryVerb))]
    public async Task An_unknown_option_is_named_exits_2_and_never_shows_the_password(string[] verb)
    {
        var result = await ProtoProcess.RunAsync([.. verb.Take(verb[0] == "serve" ? 1 : 2), "--frobnicate", .. verb.Skip(verb[0] == "serve" ? 1 : 2)]);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.Stderr);
        Assert.That(result.Stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1), result.Stderr);
        Assert.That(result.Stderr, Does.StartWith("proto: unknown option --frobnicate"));
        Assert.That(result.Stderr, Does.Not.Contain(":pw@"));
    }

    [TestCase("serve", "--smtp-port", "abc")]
    [TestCase("serve", "--http-port", "70000")]
    [TestCase("smtp", "serve", "--port", "abc")]
    [TestCase("smtp", "serve", "--max-size", "-5")]
    [TestCase("ftp", "serve", "-p", "x")]
    [TestCase("ftp", "serve", "--passive-ports", "9-1")]
    [TestCase("http", "serve", "-p", "99999")]
    [TestCase("http", "get", "http://127.0.0.1:1/", "-m", "soon")]
    [TestCase("smtp", "send", "-s", "127.0.0.1:abc", "-f", "a@example.org", "-t", "b@example.org")]
    [TestCase("ftp", "ls", "http://127.0.0.1/")]
    public async Task A_bad_value_exits_2_with_one_line(params string[] args)
    {
        var result = await ProtoProcess.RunAsync(args);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.Stderr);
        Assert.That(result.Stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1), result.Stderr);
        Assert.That(result.Stderr, Does.StartWith("proto: "));
    }

    [TestCase("ftp", "get")]
    [TestCase("ftp", "mv", "ftp://127.0.0.1/a")]
    [TestCase("http", "get")]
    [TestCase("smtp", "send", "-f", "a@example.org", "-t", "b@example.org")]
    [TestCase("ftp")]
    [TestCase]
    public async Task A_missing_argument_exits_2(params string[] args)
    {
        var result = await ProtoProcess.RunAsync(args);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.Stderr);
        Assert.That(result.Stderr, Does.StartWith("proto: "));
    }

    [Test]
    public async Task Ftp_serve_with_a_user_and_no_password_is_refused()
    {
        var result = await ProtoProcess.RunAsync(["ftp", "serve", "--user", "bob", "-p", "0"]);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.Stderr);
        Assert.That(result.Stderr, Does.Contain("--user needs --password"));
    }

    [TestCase("ftp", "ls", "ftp://bob:s3cr3t@127.0.0.1:{port}/")]
    [TestCase("ftp", "get", "ftp://bob:s3cr3t@127.0.0.1:{port}/f", "extra")]
    [TestCase("http", "get", "http://bob:s3cr3t@127.0.0.1:{port}/")]
    [TestCase("smtp", "send", "-s", "127.0.0.1:{port}", "-f", "a@example.org", "-t", "b@example.org", "-u", "bob", "--password", "s3cr3t")]
    [TestCase("smtp", "send", "-s", "127.0.0.1:{port}", "-f", "a@example.org", "-t", "b@example.org", "-u", "bob", "-p", "s3cr3t")]
    public async Task A_failure_names_host_and_port_and_never_prints_the_password(params string[] args)
    {
        var port = ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = await ProtoProcess.RunAsync(args.Select(a => a.Replace("{port}", port, StringComparison.Ordinal)));
        Assert.That(result.ExitCode, Is.EqualTo(args.Contains("extra") ? 2 : 1), result.Stderr);
        Assert.That(result.Stderr, Does.Not.Contain("s3cr3t"));
        if (!args.Contains("extra")) Assert.That(result.Stderr, Does.Contain($"cannot connect to 127.0.0.1:{port}: connection refused"));
    }

    [TestCase("smtp", "serve", "-p")]
    [TestCase("ftp", "serve", "-p")]
    [TestCase("http", "serve", "-p")]
    [TestCase("serve", "--smtp-port")]
    public async Task A_port_in_use_exits_1_naming_it(params string[] args)
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] more = args[0] == "serve" ? ["--ftp-port", "0", "--http-port", "0", "--pop3-port", "0"] : [];
        var result = await ProtoProcess.RunAsync([.. args, port, .. more]);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.Stderr);
        Assert.That(result.Stderr, Does.Contain($"cannot listen on 127.0.0.1:{port}"));
    }

    [Test]
    public async Task Old_spellings_still_work_with_a_warning()
    {
        var root = Directory.CreateTempSubdirectory("proto-legacy-").FullName;
        try
        {
            await using var serve = ProtoProcess.Start(["http", "serve", "-r", root, "--upload", "--max-upload", "10", "-p", "0"]);
            await serve.WaitForStderrAsync("--max-upload is now --max-size");
            Assert.That(serve.Stderr, Does.Contain("-r is now --root").And.Contain("--upload is now --write"));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (!serve.Stdout.Contains("uploads on", StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(50);
            Assert.That(serve.Stdout, Does.Contain("Serving " + root).And.Contain("up to 10 bytes"));
            await serve.InterruptAsync();
            Assert.That(await serve.WaitForExitAsync(), Is.Zero, serve.Stderr);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
