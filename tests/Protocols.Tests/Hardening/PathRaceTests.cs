using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Protocols.Ftp;
using Protocols.Servers.Hosting;

namespace Protocols.Tests.Hardening;

/// <summary>
/// A local process swaps <c>root/race</c> between a real directory and a symbolic link to a directory outside the root
/// (renameat2 RENAME_EXCHANGE, so the name always exists) while FTP RETR / LIST and HTTP GET ask for what is inside.
/// Any byte of the outside file served is an escape; any outside name listed is a leak. Both must be zero.
/// Runs for a bounded time per protocol (<c>PROTOCOLS_RACE_SECONDS</c>, default 3).
/// </summary>
[NonParallelizable]
public class PathRaceTests
{
    private const string Inside = "inside-file", OutsideText = "OUTSIDE-SECRET", OutsideOnly = "outside-only.txt";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private sealed class Race : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _swapper;
        public long Swaps;

        public Race()
        {
            Base = Directory.CreateTempSubdirectory("proto-race-").FullName;
            Root = Directory.CreateDirectory(Path.Combine(Base, "root")).FullName;
            var outside = Directory.CreateDirectory(Path.Combine(Base, "outside")).FullName;
            File.WriteAllText(Path.Combine(outside, "secret.txt"), OutsideText);
            File.WriteAllText(Path.Combine(outside, OutsideOnly), OutsideText);
            File.WriteAllText(Path.Combine(outside, "victim.txt"), OutsideText);
            Outside = outside;
            var race = Directory.CreateDirectory(Path.Combine(Root, "race")).FullName;
            File.WriteAllText(Path.Combine(race, "secret.txt"), Inside);
            var swap = Path.Combine(Base, "swap");
            File.CreateSymbolicLink(swap, outside);
            _swapper = new Thread(() =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    if (Native.renameat2(Native.AtFdCwd, race, Native.AtFdCwd, swap, Native.RenameExchange) != 0)
                        throw new IOException($"renameat2 failed: errno {Marshal.GetLastPInvokeError()}");
                    Interlocked.Increment(ref Swaps);
                }
            }) { IsBackground = true, Name = "race swapper" };
        }

        public string Base { get; }

        public string Root { get; }

        public string Outside { get; }

        public void Start() => _swapper.Start();

        public void Dispose()
        {
            _stop.Cancel();
            if (_swapper.IsAlive) _swapper.Join(Wait);
            Directory.Delete(Base, recursive: true);
        }
    }

    private static TimeSpan Duration => TimeSpan.FromSeconds(HardeningReport.Count("PROTOCOLS_RACE_SECONDS", 3));

    [Test]
    public async Task Ftp_retr_and_list_never_reach_outside_the_root_while_a_link_is_swapped_in()
    {
        using var race = new Race();
        await using var stack = await DevStack.StartAsync(new DevStackOptions { Root = race.Root }).WaitAsync(Wait);
        await using var ftp = new FtpClient("127.0.0.1", stack.Ftp.Port);
        await ftp.ConnectAsync().WaitAsync(Wait);
        race.Start();
        long tries = 0, escapes = 0, leaks = 0, served = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Duration)
        {
            tries++;
            using var body = new MemoryStream();
            try
            {
                await ftp.DownloadAsync(body, "race/secret.txt").WaitAsync(Wait);
                var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
                if (text.Contains(OutsideText, StringComparison.Ordinal)) escapes++;
                else if (text == Inside) served++;
            }
            catch (FtpCommandException)
            {
                // 550: refused this time; a refusal is safe
            }
            if (tries % 4 == 0)
            {
                try
                {
                    await foreach (var name in ftp.GetNameListingAsync("race").WithCancellation(CancellationToken.None))
                        if (name.Contains(OutsideOnly, StringComparison.Ordinal)) leaks++;
                }
                catch (FtpCommandException)
                {
                }
            }
        }
        Report("FTP RETR/NLST of root/race/* during a symlink swap", tries, escapes, leaks, served, race.Swaps, watch.Elapsed);
        Assert.That((escapes, leaks), Is.EqualTo((0L, 0L)), $"{escapes} escapes and {leaks} leaks in {tries} tries");
        Assert.That(served, Is.GreaterThan(0), "the inside file must still be served between swaps");
    }

    [Test]
    public async Task Http_get_of_files_and_listings_never_reaches_outside_the_root_while_a_link_is_swapped_in()
    {
        using var race = new Race();
        await using var stack = await DevStack.StartAsync(new DevStackOptions { Root = race.Root }).WaitAsync(Wait);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{stack.Http.Port}/"), Timeout = Wait };
        race.Start();
        long tries = 0, escapes = 0, leaks = 0, served = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Duration)
        {
            tries++;
            using (var response = await http.GetAsync("race/secret.txt").WaitAsync(Wait))
            {
                var text = await response.Content.ReadAsStringAsync().WaitAsync(Wait);
                if (text.Contains(OutsideText, StringComparison.Ordinal)) escapes++;
                else if (response.StatusCode == HttpStatusCode.OK && text == Inside) served++;
            }
            if (tries % 4 == 0)
            {
                using var listing = await http.GetAsync("race/?format=json").WaitAsync(Wait);
                if ((await listing.Content.ReadAsStringAsync().WaitAsync(Wait)).Contains(OutsideOnly, StringComparison.Ordinal)) leaks++;
            }
        }
        Report("HTTP GET of root/race/* during a symlink swap", tries, escapes, leaks, served, race.Swaps, watch.Elapsed);
        Assert.That((escapes, leaks), Is.EqualTo((0L, 0L)), $"{escapes} escapes and {leaks} leaks in {tries} tries");
        Assert.That(served, Is.GreaterThan(0), "the inside file must still be served between swaps");
    }

    [Test]
    public async Task Ftp_and_http_writes_never_land_outside_the_root_while_a_link_is_swapped_in()
    {
        using var race = new Race();
        await using var stack = await DevStack.StartAsync(new DevStackOptions { Root = race.Root, Write = true }).WaitAsync(Wait);
        await using var ftp = new FtpClient("127.0.0.1", stack.Ftp.Port);
        await ftp.ConnectAsync().WaitAsync(Wait);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{stack.Http.Port}/"), Timeout = Wait };
        race.Start();
        long tries = 0, escapes = 0, stored = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Duration)
        {
            tries++;
            using (var put = await http.PutAsync("race/put.txt", new StringContent("put")).WaitAsync(Wait))
                if (put.IsSuccessStatusCode) stored++;
            try
            {
                await ftp.UploadAsync(new MemoryStream("stor"u8.ToArray()), "race/stor.txt").WaitAsync(Wait);
                stored++;
            }
            catch (FtpCommandException)
            {
            }
            try
            {
                await ftp.DeleteFileAsync("race/victim.txt").WaitAsync(Wait);
            }
            catch (FtpCommandException)
            {
            }
            foreach (var name in new[] { "put.txt", "stor.txt" })
            {
                var leaked = Path.Combine(race.Outside, name);
                if (File.Exists(leaked))
                {
                    escapes++;
                    File.Delete(leaked);
                }
            }
            if (!File.Exists(Path.Combine(race.Outside, "victim.txt")))
            {
                escapes++;
                await File.WriteAllTextAsync(Path.Combine(race.Outside, "victim.txt"), OutsideText);
            }
        }
        HardeningReport.Row(HardeningReport.Attack, "FTP STOR/DELE + HTTP PUT into root/race/ during a symlink swap", tries * 3, 0, watch.Elapsed,
            $"{stored} writes stored inside, the rest refused; {race.Swaps} swaps", escapes, 0);
        Assert.That(escapes, Is.Zero, $"{escapes} writes or deletes landed outside the root in {tries * 3} tries");
        Assert.That(stored, Is.GreaterThan(0), "writes inside must still work between swaps");
    }

    private static void Report(string check, long tries, long escapes, long leaks, long served, long swaps, TimeSpan elapsed) =>
        HardeningReport.Row(HardeningReport.Attack, check, tries, 0, elapsed,
            $"{served} served from inside, the rest refused; {swaps} swaps", escapes, leaks);

    private static class Native
    {
        public const int AtFdCwd = -100;
        public const uint RenameExchange = 2;

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable SYSLIB1054, CA2101 // test-only P/Invoke; paths marshal as UTF-8 on Linux
        public static extern int renameat2(int oldDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, int newDirectory,
            [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath, uint flags);
#pragma warning restore SYSLIB1054, CA2101
    }
}
