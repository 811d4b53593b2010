using System.Net;
using System.Security.Cryptography;
using Protocols.Files;
using Protocols.Ftp;
using Protocols.Servers.Testing;
using Protocols.Tests.Ftp;
using Protocols.Tests.Support;

namespace Protocols.Tests.Cli;

/// <summary>
/// A download to an existing fifo or device (<c>-o /dev/null</c>) writes into it and leaves it what it was: renaming
/// a temporary file over it, as a download to a regular file does, would (run as root) turn /dev/null into a plain file.
/// The tests use a fifo in a temporary directory, never the real /dev/null.
/// </summary>
public class SpecialTargetTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private string _dir = null!;
    private string _fifo = null!;

    [SetUp]
    public async Task SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("special-target-").FullName;
        _fifo = Path.Combine(_dir, "fifo");
        var mkfifo = await PeerRunner.RunAsync("mkfifo", [_fifo], timeout: TimeSpan.FromSeconds(10));
        Assert.That(mkfifo.ExitCode, Is.Zero, mkfifo.Stderr);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>Reads the fifo to its end on a thread of its own (opening a fifo blocks until a writer comes).</summary>
    private Task<byte[]> ReadFifo() => Task.Factory.StartNew(() => File.ReadAllBytes(_fifo), TaskCreationOptions.LongRunning);

    private void AssertStillAFifo()
    {
        Assert.That(UnixStatus.TryStat(_fifo, out var status), Is.True);
        Assert.That(status.Kind, Is.EqualTo(DirectoryEntryKind.Other), "the fifo was replaced by a plain file");
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { _fifo }), "no temporary file is left beside it");
    }

    [Test]
    public async Task The_ftp_client_downloads_into_a_fifo_and_leaves_it_a_fifo()
    {
        var data = RandomNumberGenerator.GetBytes(200_000);
        await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
        await server.AddFileAsync("/f.bin", data);
        await using var client = new FtpClient("127.0.0.1", server.Port, new NetworkCredential("user", "pass"));
        await client.ConnectAsync().WaitAsync(Timeout);
        var read = ReadFifo();

        Assert.That(await client.DownloadFileAsync(_fifo, "/f.bin").WaitAsync(Timeout), Is.EqualTo(FtpStatus.Success));

        Bytes.AssertSame(data, await read.WaitAsync(Timeout));
        AssertStillAFifo();
    }

    [Test]
    public async Task Proto_http_get_with_o_writes_into_a_fifo_and_leaves_it_a_fifo()
    {
        await using var server = await HttpTestServer.StartAsync().WaitAsync(Timeout);
        server.Stub(m => m.Get("/f")).Respond(200, "hello through the fifo");
        var read = ReadFifo();

        var result = await ProtoProcess.RunAsync(["http", "get", new Uri(server.BaseAddress, "/f").ToString(), "-o", _fifo]);

        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        Assert.That(System.Text.Encoding.UTF8.GetString(await read.WaitAsync(Timeout)), Is.EqualTo("hello through the fifo"));
        AssertStillAFifo();
    }
}
