using System.Net;
using Protocols.Tests.Cli;

namespace Protocols.Tests.Mail;

/// <summary>
/// <c>proto smtp serve --store</c> on a new PostgreSQL database, as a process (the event-loop engine: one epoll thread).
/// The first start creates the schema and the trigram indexes inside a savepoint; Npgsql's own savepoint release read
/// its reply synchronously, and on the only epoll thread that read waited for itself: the start hung (1 of 4 starts of
/// the JIT build, every start of the native one). Four fresh databases, each start must serve a message.
/// </summary>
[Category("Postgres")]
public sealed class PostgresServeStartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private PostgresServer? _server;

    [OneTimeSetUp]
    public async Task StartServer() => _server = await PostgresServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopServer()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    [Test]
    public async Task Smtp_serve_starts_on_a_new_database_and_keeps_a_message([Range(1, 4)] int round)
    {
        var database = await _server!.CreateDatabaseAsync();
        await using var smtp = ProtoProcess.Start(["smtp", "serve", "--port", "0", "--store", database]);
        await smtp.WaitForStderrAsync("Ctrl+C to stop", Timeout);
        var endPoint = IPEndPoint.Parse(System.Text.RegularExpressions.Regex.Match(smtp.Stderr, @"SMTP on (\S+?)[ ;,]").Groups[1].Value);
        var sent = await Support.PeerRunner.PythonAsync(
            "import smtplib,sys\ns=smtplib.SMTP(sys.argv[1],int(sys.argv[2]),timeout=30)\n" +
            "s.sendmail('a@example.org',['b@example.org'],'Subject: round\\r\\n\\r\\nkept\\r\\n')\ns.quit()",
            endPoint.Address.ToString(), endPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(sent.ExitCode, Is.Zero, sent.Stderr);
        await smtp.InterruptAsync();
        Assert.That(await smtp.WaitForExitAsync(Timeout), Is.Zero, smtp.Stderr);
    }
}
