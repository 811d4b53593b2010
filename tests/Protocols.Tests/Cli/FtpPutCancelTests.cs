using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Protocols.Tests.Cli;

/// <summary>
/// Ctrl+C in the middle of <c>proto ftp put</c>: a scripted server accepts STOR and then reads nothing, so the upload is
/// stuck mid-file when SIGINT comes. The verb ends with <c>cancelled</c> and 130; the upload is aborted (a reset of
/// the data connection, then ABOR), never closed as if the file were complete.
/// </summary>
public class FtpPutCancelTests
{
    [Test]
    public async Task Sigint_mid_upload_is_cancelled_130_resets_the_data_connection_and_sends_abor()
    {
        var dir = Directory.CreateTempSubdirectory("proto-put-cancel-").FullName;
        using var control = new TcpListener(IPAddress.Loopback, 0);
        using var data = new TcpListener(IPAddress.Loopback, 0);
        control.Start();
        data.Start();
        var dataPort = ((IPEndPoint)data.LocalEndpoint).Port;
        var commands = new List<string>();
        var dataAccepted = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            var file = Path.Combine(dir, "big.bin");
            await using (var stream = File.Create(file)) stream.SetLength(64L * 1024 * 1024);
            await using var proto = ProtoProcess.Start(["ftp", "put", file, $"ftp://u:p@127.0.0.1:{((IPEndPoint)control.LocalEndpoint).Port}/"]);
            using var session = await control.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var script = ServeAsync(session, data, dataPort, commands, dataAccepted);
            using var dataSocket = await dataAccepted.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await Task.Delay(500); // the client has filled the socket buffers and waits to write more
            await proto.InterruptAsync();
            Assert.That(await proto.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(130), proto.Stderr);
            Assert.That(proto.Stderr.TrimEnd(), Does.EndWith("proto: cancelled"));

            // Read what the client sent on the data connection: it must not end with a clean FIN after the whole file.
            var received = 0L;
            var buffer = new byte[1 << 20];
            var reset = false;
            try
            {
                int n;
                using var read = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                while ((n = await dataSocket.ReceiveAsync(buffer, SocketFlags.None, read.Token)) > 0) received += n;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                reset = true;
            }
            await script.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.That(reset, Is.True, $"the data connection ended with a clean FIN after {received} bytes: a server would keep the part as the whole file");
            lock (commands) Assert.That(commands, Does.Contain("ABOR"), string.Join(" | ", commands));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>Just enough of an FTP server to reach STOR; records the commands (ABOR included, if it comes).</summary>
    private static async Task ServeAsync(Socket session, TcpListener data, int dataPort, List<string> commands, TaskCompletionSource<Socket> dataAccepted)
    {
        await using var stream = new NetworkStream(session, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        async Task ReplyAsync(string text) => await stream.WriteAsync(Encoding.ASCII.GetBytes(text + "\r\n"));
        await ReplyAsync("220 scripted");
        try
        {
            while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) is { } line)
            {
                lock (commands) commands.Add(line.StartsWith("PASS", StringComparison.Ordinal) ? "PASS ***" : line);
                var verb = line.Split(' ')[0].ToUpperInvariant();
                switch (verb)
                {
                    case "USER": await ReplyAsync("331 password"); break;
                    case "PASS": await ReplyAsync("230 in"); break;
                    case "FEAT": await ReplyAsync("211-Features:\r\n EPSV\r\n211 End"); break;
                    case "TYPE": await ReplyAsync("200 ok"); break;
                    case "EPSV": await ReplyAsync($"229 Entering Extended Passive Mode (|||{dataPort}|)"); break;
                    case "STOR":
                        await ReplyAsync("150 go ahead");
                        dataAccepted.TrySetResult(await data.AcceptSocketAsync());
                        break;
                    case "ABOR": await ReplyAsync("426 aborted\r\n226 abort done"); break;
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
