using System.Net;
using Protocols.Ftp;
using Protocols.Net;
using Protocols.Servers.Testing;

namespace Protocols.Tests.Ftp;

/// <summary>A cancelled transfer aborts (data connection reset, ABOR): no server keeps a cancelled upload as complete.</summary>
public class CancelledTransferTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Gives <paramref name="before"/> bytes, says so, then waits until cancelled: a user pressing Ctrl+C mid-upload.</summary>
    private sealed class StallingStream(long before) : Stream
    {
        private long _given;

        public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_given >= before)
            {
                Stalled.TrySetResult();
                await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
            }
            var n = (int)Math.Min(buffer.Length, before - _given);
            buffer.Span[..n].Fill(0x5A);
            _given += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [TestCase(FtpDataMode.ExtendedPassive, false, false)]
    [TestCase(FtpDataMode.Active, false, false)]
    [TestCase(FtpDataMode.ExtendedPassive, true, false)]
    [TestCase(FtpDataMode.ExtendedPassive, false, true)]
    public async Task Cancelled_upload_is_not_kept_under_its_final_name(FtpDataMode mode, bool tls, bool onDisk)
    {
        var root = onDisk ? Directory.CreateTempSubdirectory("ftp-cancel-").FullName : null;
        try
        {
            await using var server = await FtpTestServer.StartAsync(o =>
            {
                o.Tls = tls;
                o.RootDirectory = root;
            }).WaitAsync(Timeout);
            var transcript = new MemoryProtocolLogger("> ", "< ");
            await using var client = new FtpClient("127.0.0.1", server.Port, new NetworkCredential("user", "pass"), new FtpClientOptions
            {
                DataMode = mode,
                Encryption = tls ? FtpEncryption.Explicit : FtpEncryption.None,
                AcceptAnyCertificate = true,
                ProtocolLogger = transcript,
            });
            await client.ConnectAsync().WaitAsync(Timeout);

            var source = new StallingStream(3 * 1024 * 1024);
            using var cancel = new CancellationTokenSource();
            var upload = client.UploadAsync(source, "/big.bin", cancellationToken: cancel.Token);
            await source.Stalled.Task.WaitAsync(Timeout);
            await cancel.CancelAsync();
            Assert.That(async () => await upload.WaitAsync(Timeout), Throws.InstanceOf<OperationCanceledException>());

            Assert.That(transcript.Lines, Does.Contain("> ABOR"));
            Assert.That(client.IsConnected, Is.True, "the control connection stayed in step");
            // SIZE is answered once the server's transfer has ended (committed or not): no race with the check below.
            Assert.That(await client.GetFileSizeAsync("/big.bin").WaitAsync(Timeout), Is.EqualTo(-1));
            Assert.That(await server.ExistsAsync("/big.bin"), Is.False, "the cancelled upload is not kept under its final name");
            await client.UploadAsync(new MemoryStream(new byte[1000]), "/small.bin").WaitAsync(Timeout);
            Assert.That(await server.ReadFileAsync("/small.bin"), Has.Length.EqualTo(1000), "the next upload works");
            if (root is not null) Assert.That(Directory.GetFiles(root).Select(Path.GetFileName), Is.EquivalentTo(new[] { "small.bin" }), "no temporary file left");
        }
        finally
        {
            if (root is not null) Directory.Delete(root, true);
        }
    }

    [Test]
    public async Task Cancelled_file_upload_by_sendfile_is_not_kept()
    {
        var dir = Directory.CreateTempSubdirectory("ftp-cancel-file-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "root"));
            await using var server = await FtpTestServer.StartAsync(o => o.RootDirectory = Path.Combine(dir, "root")).WaitAsync(Timeout);
            var local = Path.Combine(dir, "big.bin");
            await File.WriteAllBytesAsync(local, new byte[64 * 1024 * 1024]);
            var (client, transcript) = await LoggedClientAsync(server);
            await using var connected = client;
            using var cancel = new CancellationTokenSource();
            Assert.That(async () => await client.UploadFileAsync(local, "/big.bin", progress: new CancelAfter(1, cancel), cancellationToken: cancel.Token).WaitAsync(Timeout),
                Throws.InstanceOf<OperationCanceledException>());
            Assert.That(transcript.Lines, Does.Contain("> ABOR"));
            Assert.That(await client.GetFileSizeAsync("/big.bin").WaitAsync(Timeout), Is.EqualTo(-1));
            Assert.That(Directory.GetFiles(Path.Combine(dir, "root")), Is.Empty, "neither the file nor its temporary is kept");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>A client of <paramref name="server"/>, logged in, with its protocol log kept.</summary>
    private static async Task<(FtpClient Client, MemoryProtocolLogger Transcript)> LoggedClientAsync(FtpTestServer server)
    {
        var transcript = new MemoryProtocolLogger("> ", "< ");
        var client = new FtpClient("127.0.0.1", server.Port, new NetworkCredential("user", "pass"), new FtpClientOptions { ProtocolLogger = transcript });
        try
        {
            await client.ConnectAsync().WaitAsync(Timeout);
            return (client, transcript);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Cancels, on the transfer's own thread, once past a byte count (Progress&lt;T&gt; would post it later).</summary>
    private sealed class CancelAfter(long bytes, CancellationTokenSource cancel) : IProgress<FtpProgress>
    {
        public void Report(FtpProgress value)
        {
            if (value.TransferredBytes > bytes) cancel.Cancel();
        }
    }

    [Test]
    public async Task Cancelled_download_aborts_and_the_session_goes_on()
    {
        await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
        await server.AddFileAsync("/big.bin", new byte[32 * 1024 * 1024]);
        var (client, transcript) = await LoggedClientAsync(server);
        await using var connected = client;
        using var cancel = new CancellationTokenSource();
        var progress = new CancelAfter(1_000_000, cancel);
        Assert.That(async () => await client.DownloadAsync(Stream.Null, "/big.bin", progress: progress, cancellationToken: cancel.Token).WaitAsync(Timeout),
            Throws.InstanceOf<OperationCanceledException>());
        Assert.That(transcript.Lines, Does.Contain("> ABOR"));
        Assert.That(await client.GetFileSizeAsync("/big.bin").WaitAsync(Timeout), Is.EqualTo(32 * 1024 * 1024));
    }

    /// <summary>A download into a file goes by the receiving thread; cancelled, it aborts, leaves no file, and the session goes on.</summary>
    [Test]
    public async Task Cancelled_file_download_aborts_leaves_no_file_and_the_session_goes_on()
    {
        var dir = Directory.CreateTempSubdirectory("ftp-cancel-down-").FullName;
        try
        {
            await using var server = await FtpTestServer.StartAsync().WaitAsync(Timeout);
            await server.AddFileAsync("/big.bin", new byte[64 * 1024 * 1024]);
            var (client, transcript) = await LoggedClientAsync(server);
            await using var connected = client;
            using var cancel = new CancellationTokenSource();
            var progress = new CancelAfter(1_000_000, cancel);
            var local = Path.Combine(dir, "big.bin");
            Assert.That(async () => await client.DownloadFileAsync(local, "/big.bin", progress: progress, cancellationToken: cancel.Token).WaitAsync(Timeout),
                Throws.InstanceOf<OperationCanceledException>());
            Assert.That(transcript.Lines, Does.Contain("> ABOR"));
            Assert.That(Directory.GetFiles(dir), Is.Empty, "neither the file nor its temporary copy");
            Assert.That(await client.GetFileSizeAsync("/big.bin").WaitAsync(Timeout), Is.EqualTo(64 * 1024 * 1024));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
