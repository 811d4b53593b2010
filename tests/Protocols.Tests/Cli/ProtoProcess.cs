using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Protocols.Tests.Cli;

/// <summary>
/// The real <c>proto</c> (the built <c>proto.dll</c> beside the tests) as a child process: its stdout and stderr are
/// collected raw (a progress line's <c>\r</c> stays visible), it can be sent SIGINT, and every wait has a timeout
/// (a hang kills it and fails the test). <c>PROTO_UNDER_TEST=/path/to/proto.dll</c> points the tests at another build.
/// </summary>
internal sealed class ProtoProcess : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _reading;

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    private ProtoProcess(Process process)
    {
        _process = process;
        _reading = Task.WhenAll(PumpAsync(process.StandardOutput, _stdout), PumpAsync(process.StandardError, _stderr));
    }

    public string Stdout
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    public static ProtoProcess Start(IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        // PROTO_UNDER_TEST runs the same tests against another build (e.g. an older commit's proto.dll).
        var proto = Environment.GetEnvironmentVariable("PROTO_UNDER_TEST") is { Length: > 0 } other ? other : Path.Combine(AppContext.BaseDirectory, "proto.dll");
        Assert.That(File.Exists(proto), Is.True, $"{proto} is missing");
        // Through env --default-signal=INT: a test run started in the background inherits SIGINT ignored (POSIX, for
        // asynchronous commands), which a child keeps across exec; the SIGINT tests need it delivered.
        var info = new ProcessStartInfo("/usr/bin/env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(proto);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment.Remove("PROTO_PROGRESS");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        return new ProtoProcess(process);
    }

    /// <summary>Runs to the end.</summary>
    public static async Task<Result> RunAsync(IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        await using var proto = Start(arguments, workingDirectory, environment);
        var code = await proto.WaitForExitAsync(timeout ?? DefaultTimeout);
        return new Result(code, proto.Stdout, proto.Stderr);
    }

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start("/bin/kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(kill.ExitCode, Is.Zero, "kill -INT failed");
    }

    /// <summary>Waits until stderr contains <paramref name="text"/>.</summary>
    public async Task WaitForStderrAsync(string text, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (!Stderr.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited && _reading.IsCompleted) Assert.Fail($"proto exited ({_process.ExitCode}) before printing '{text}':\n{Stderr}");
            if (watch.Elapsed > (timeout ?? DefaultTimeout)) Assert.Fail($"proto did not print '{text}' in time:\n{Stderr}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until stdout contains <paramref name="text"/>.</summary>
    public async Task WaitForStdoutAsync(string text, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited && _reading.IsCompleted) Assert.Fail($"proto exited ({_process.ExitCode}) before printing '{text}':\n{Stdout}");
            if (watch.Elapsed > (timeout ?? DefaultTimeout)) Assert.Fail($"proto did not print '{text}' in time:\n{Stdout}");
            await Task.Delay(50);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout ?? DefaultTimeout);
            await _reading.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"proto did not exit in time; stderr:\n{Stderr}");
        }
        return _process.ExitCode;
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
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }
}
