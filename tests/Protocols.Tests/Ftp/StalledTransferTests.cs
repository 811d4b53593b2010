using System.Net;
using System.Net.Sockets;
using System.Text;
using Protocols.Ftp;
using Protocols.Net;

namespace Protocols.Tests.Ftp;

/// <summary>
/// A server whose data connection stalls mid-transfer: the client's idle limit ends the transfer with a
/// <see cref="TimeoutException"/>, and the control connection stays in step (the data connection reset, ABOR, the
/// transfer's and ABOR's replies read), so the next command gets its own reply, not the 426 of the abandoned transfer.
/// </summary>
public class StalledTransferTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [TestCase(false, TestName = "A download whose data stalls times out and the next command gets its own reply")]
    [TestCase(true, TestName = "An upload whose data stalls times out and the next command gets its own reply")]
    public async Task Stalled(bool upload)
    {
        using var control = new TcpListener(IPAddress.Loopback, 0);
        using var data = new TcpListener(IPAddress.Loopback, 0);
        data.Server.ReceiveBufferSize = 64 * 1024; // a stalled reader fills up soon
        control.Start();
        data.Start();
        var commands = new List<string>();
        var serving = Task.Run(async () =>
        {
            using var session = await control.AcceptSocketAsync();
            await ServeAsync(session, data, ((IPEndPoint)data.LocalEndpoint).Port, commands);
        });
        var transcript = new MemoryProtocolLogger("> ", "< ");
        await using var client = new FtpClient("127.0.0.1", ((IPEndPoint)control.LocalEndpoint).Port, new NetworkCredential("user", "pass"),
            new FtpClientOptions { ReadTimeout = TimeSpan.FromMilliseconds(700), ProtocolLogger = transcript });
        await client.ConnectAsync().WaitAsync(Timeout);
        var dir = Directory.CreateTempSubdirectory("ftp-stall-");
        try
        {
            var path = Path.Combine(dir.FullName, "f.bin");
            if (upload) await File.WriteAllBytesAsync(path, new byte[64 * 1024 * 1024]);
            await using (var file = new FileStream(path, upload ? FileMode.Open : FileMode.Create, upload ? FileAccess.Read : FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                var transfer = upload ? client.UploadAsync(file, "/f.bin") : client.DownloadAsync(file, "/f.bin");
                Assert.That(async () => await transfer.WaitAsync(Timeout), Throws.TypeOf<TimeoutException>());
            }
            var reply = await client.ExecuteAsync("NOOP").WaitAsync(Timeout);
            Assert.That(transcript.Lines, Does.Contain("> ABOR"), "the transfer aborted on the control connection too");
            Assert.That(reply.Code, Is.EqualTo(200), string.Join("\n", transcript.Lines));
            Assert.That(client.IsConnected, Is.True);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
        await client.DisconnectAsync().WaitAsync(Timeout);
        await serving.WaitAsync(Timeout);
    }

    /// <summary>
    /// Just enough of an FTP server: RETR sends 1,000 bytes and stalls, STOR takes nothing; once the client resets the
    /// data connection the transfer's 426 follows, as vsftpd's does.
    /// </summary>
    private static async Task ServeAsync(Socket session, TcpListener data, int dataPort, List<string> commands)
    {
        await using var stream = new NetworkStream(session, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var gate = new SemaphoreSlim(1, 1);
        async Task ReplyAsync(string text)
        {
            await gate.WaitAsync();
            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(text + "\r\n"));
            }
            finally
            {
                gate.Release();
            }
        }
        await ReplyAsync("220 scripted");
        Task? transfer = null;
        try
        {
            while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) is { } line)
            {
                lock (commands) commands.Add(line);
                // One thing at a time, as vsftpd: a command after a transfer's start is read once the transfer has
                // ended (its 426 sent); ABOR too.
                if (transfer is not null)
                {
                    await transfer;
                    transfer = null;
                }
                switch (line.Split(' ')[0].ToUpperInvariant())
                {
                    case "USER": await ReplyAsync("331 password"); break;
                    case "PASS": await ReplyAsync("230 in"); break;
                    case "FEAT": await ReplyAsync("211-Features:\r\n EPSV\r\n211 End"); break;
                    case "TYPE": await ReplyAsync("200 ok"); break;
                    case "NOOP": await ReplyAsync("200 noop"); break;
                    case "EPSV": await ReplyAsync($"229 Entering Extended Passive Mode (|||{dataPort}|)"); break;
                    case "RETR" or "STOR":
                        await ReplyAsync("150 go ahead");
                        var socket = await data.AcceptSocketAsync();
                        var sending = line.StartsWith("RETR", StringComparison.OrdinalIgnoreCase);
                        transfer = Task.Run(async () =>
                        {
                            using (socket)
                            {
                                if (sending) await socket.SendAsync(new byte[1000]);
                                // Stall: read nothing (an upload fills up) until the client resets or closes the
                                // connection (SO_ERROR holds the reset without reading what is queued), at most 30 s.
                                var until = DateTime.UtcNow.AddSeconds(30);
                                while (DateTime.UtcNow < until
                                    && (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)! == 0
                                    && !(sending && socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0))
                                {
                                    await Task.Delay(10);
                                }
                            }
                            await ReplyAsync("426 Connection closed; transfer aborted.");
                        });
                        break;
                    case "ABOR": await ReplyAsync("226 ABOR successful"); break;
                    case "QUIT": await ReplyAsync("221 bye"); return;
                    default: await ReplyAsync("502 not here"); break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or TimeoutException)
        {
            // the client went away
        }
    }
}
