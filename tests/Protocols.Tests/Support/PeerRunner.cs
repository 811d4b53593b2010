using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Protocols.Tests.Support;

/// <summary>
/// The one way tests run another program: a peer run to completion (curl, swaks, lftp, python3, kill, dotnet pack)
/// or kept running as a server (vsftpd, nginx, aiosmtpd, a <c>proto</c> process) until disposed. Arguments as a list
/// (no shell); standard input given, kept open or closed; stdout and stderr collected raw (a progress line's
/// <c>\r</c> stays visible); every wait has a timeout after which the process tree is killed and the test fails with
/// what the program said; dispose kills whatever still runs.
/// </summary>
internal sealed class PeerRunner : IAsyncDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _reading;
    private readonly TimeSpan _stopGrace;

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>Stdout then stderr, for peers whose messages may land on either.</summary>
        public string Output => Stdout + Stderr;
    }

    /// <summary>A HOME of the temp folder, so a peer reads no user's rc files (curl, lftp).</summary>
    public static readonly IReadOnlyDictionary<string, string?> TempHome = new Dictionary<string, string?> { ["HOME"] = Path.GetTempPath() };

    private PeerRunner(Process process, string name, TimeSpan stopGrace)
    {
        _process = process;
        Name = name;
        _stopGrace = stopGrace;
        _reading = Task.WhenAll(PumpAsync(process.StandardOutput, _stdout), PumpAsync(process.StandardError, _stderr));
    }

    /// <summary>The command line, for messages.</summary>
    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    public string Stdout
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>
    /// Starts <paramref name="file"/>. <paramref name="stdin"/> is written and closed; with
    /// <paramref name="keepStdinOpen"/> it stays open (servers that stop when it closes). An environment value of null
    /// removes the variable. On dispose a running process first gets <paramref name="stopGrace"/> to end after its
    /// stdin closes, then its tree is killed.
    /// </summary>
    public static PeerRunner Start(string file, IEnumerable<string> arguments, string? stdin = null, bool keepStdinOpen = false,
        string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan stopGrace = default)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var runner = new PeerRunner(process, $"{file} {string.Join(' ', start.ArgumentList)}", stopGrace);
        if (stdin is not null) process.StandardInput.Write(stdin);
        if (!keepStdinOpen) process.StandardInput.Close();
        return runner;
    }

    /// <summary>Runs to the end (30 s unless told); a hang is killed and fails the test.</summary>
    public static async Task<Result> RunAsync(string file, IEnumerable<string> arguments, string? stdin = null, TimeSpan? timeout = null,
        string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        await using var runner = Start(file, arguments, stdin, workingDirectory: workingDirectory, environment: environment);
        var code = await runner.WaitForExitAsync(timeout ?? RunTimeout);
        return new Result(code, runner.Stdout, runner.Stderr);
    }

    /// <summary>Runs a python3 (Debian's) script given as text.</summary>
    public static Task<Result> PythonAsync(string script, params string[] arguments) =>
        RunAsync(Peers.Require(Peers.Python), ["-c", script, .. arguments]);

    /// <summary>Waits (60 s unless told) for the exit and the end of its output; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout ?? WaitTimeout);
            await _reading.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            Fail($"{Name} did not finish in time; stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        return _process.ExitCode;
    }

    /// <summary>Waits (60 s unless told) until stdout contains <paramref name="text"/>; fails if the process ends first.</summary>
    public Task WaitForStdoutAsync(string text, TimeSpan? timeout = null) => WaitForAsync(() => Stdout, "stdout", text, timeout);

    /// <summary>Waits until stderr contains <paramref name="text"/>; fails if the process ends first.</summary>
    public Task WaitForStderrAsync(string text, TimeSpan? timeout = null) => WaitForAsync(() => Stderr, "stderr", text, timeout);

    private async Task WaitForAsync(Func<string> output, string stream, string text, TimeSpan? timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!output().Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited && _reading.IsCompleted)
            {
                if (output().Contains(text, StringComparison.Ordinal)) return;
                Fail($"{Name} exited ({_process.ExitCode}) before printing '{text}' on {stream}:\n{Stdout}\n{Stderr}");
            }
            if (watch.Elapsed > (timeout ?? WaitTimeout)) Fail($"{Name} did not print '{text}' on {stream} in time:\n{Stdout}\n{Stderr}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until something accepts connections on the loopback port; fails if the process ends first.</summary>
    public async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!await LoopbackPort.AcceptsAsync(port))
        {
            if (_process.HasExited) Fail($"{Name} exited ({_process.ExitCode}) before listening on {port}:\n{Stdout}\n{Stderr}");
            if (watch.Elapsed > timeout) Fail($"{Name}: nothing listens on port {port} after {timeout.TotalSeconds} s:\n{Stderr}");
            await Task.Delay(50);
        }
    }

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public async Task InterruptAsync()
    {
        var kill = await RunAsync("/bin/kill", ["-INT", Id.ToString(CultureInfo.InvariantCulture)], timeout: TimeSpan.FromSeconds(10));
        Assert.That(kill.ExitCode, Is.Zero, "kill -INT failed: " + kill.Stderr);
    }

    /// <summary>kill -9 of the process itself: no chance to flush, close or clean up.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) Assert.Fail($"the killed {Name} did not exit");
    }

    /// <summary>A wait that failed: the process tree is killed (nothing outlives the test) and the test fails.</summary>
    private void Fail(string message)
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        Assert.Fail(message);
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into) into.Append(buffer, 0, n);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited && _stopGrace > TimeSpan.Zero)
        {
            _process.StandardInput.Close();
            try
            {
                await _process.WaitForExitAsync().WaitAsync(_stopGrace);
            }
            catch (TimeoutException)
            {
                // it did not stop on its own: killed below
            }
        }
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }
}
