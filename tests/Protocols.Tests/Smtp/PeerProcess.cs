using System.Diagnostics;
using System.Text;

namespace Protocols.Tests.Smtp;

/// <summary>Runs a peer program to completion with a timeout; kills it (and its children) on timeout.</summary>
internal static class PeerProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        try
        {
            await p.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in time; stderr: {await stderr}");
        }
        return new Result(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a python3 (Debian's) script given as text.</summary>
    public static Task<Result> PythonAsync(string script, params string[] args) =>
        RunAsync(Support.Peers.Require(Support.Peers.Python), ["-c", script, .. args]);

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
