using Protocols.Tests.Support;

namespace Protocols.Tests.Cli;

/// <summary>
/// The real <c>proto</c> (the built <c>proto.dll</c> beside the tests) as a child process through
/// <see cref="PeerRunner"/>: output collected raw, SIGINT deliverable, every wait with a timeout (60 s unless told).
/// <c>PROTO_UNDER_TEST=/path/to/proto.dll</c> points the tests at another build, and
/// <c>PROTO_UNDER_TEST=/path/to/proto</c> (not a .dll) at a native executable: the Native AOT publish
/// (<c>dotnet publish src/Cli -c Release -r linux-x64</c>, the linux-x64 tool package's payload), run directly.
/// </summary>
internal static class ProtoProcess
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The proto under test: a proto.dll (run by <c>dotnet</c>) or a native executable.</summary>
    public static string UnderTest
    {
        get
        {
            // PROTO_UNDER_TEST runs the same tests against another build (e.g. an older commit's proto.dll).
            var proto = Environment.GetEnvironmentVariable("PROTO_UNDER_TEST") is { Length: > 0 } other ? other : Path.Combine(AppContext.BaseDirectory, "proto.dll");
            Assert.That(File.Exists(proto), Is.True, $"{proto} is missing");
            return proto;
        }
    }

    /// <summary>The command line that runs the proto under test: <c>dotnet proto.dll</c> or the native executable.</summary>
    public static string[] Command
    {
        get
        {
            var proto = UnderTest;
            return proto.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? ["dotnet", proto] : [proto];
        }
    }

    public static PeerRunner Start(IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string?> { ["PROTO_PROGRESS"] = null };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) variables[name] = value;
        // Through env --default-signal=INT: a test run started in the background inherits SIGINT ignored (POSIX, for
        // asynchronous commands), which a child keeps across exec; the SIGINT tests need it delivered.
        return PeerRunner.Start("/usr/bin/env", ["--default-signal=INT", .. Command, .. arguments], keepStdinOpen: true,
            workingDirectory: workingDirectory, environment: variables);
    }

    /// <summary>Runs to the end.</summary>
    public static async Task<PeerRunner.Result> RunAsync(IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        await using var proto = Start(arguments, workingDirectory, environment);
        var code = await proto.WaitForExitAsync(timeout ?? DefaultTimeout);
        return new PeerRunner.Result(code, proto.Stdout, proto.Stderr);
    }
}
