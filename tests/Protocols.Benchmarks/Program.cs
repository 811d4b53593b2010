using BenchmarkDotNet.Running;

if (args.Length > 1 && args[0] == "alloc-profile")
{
    using var profile = new Protocols.Benchmarks.Profiling.AllocationProfile();
    var code = await RunModeAsync(args[1..]);
    profile.Print();
    return code ?? 2;
}
if (await RunModeAsync(args) is { } exitCode) return exitCode;
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

static async Task<int?> RunModeAsync(string[] args) =>
    await Protocols.Benchmarks.Imap.ImapBenchModes.TryRunAsync(args) ??
    await Protocols.Benchmarks.Smtp.SmtpShortSessionBenchmarks.TryRunAsync(args) ??
    await Protocols.Benchmarks.Smtp.SmtpServeMode.TryRunAsync(args) ??
    await Protocols.Benchmarks.HttpClientBench.ClientModes.TryRunAsync(args) ??
    await Protocols.Benchmarks.Peers.SmtpServerHost.TryRunAsync(args) ??
    await Protocols.Benchmarks.Peers.SmtpClientModes.TryRunAsync(args) ??
    await Protocols.Benchmarks.Http.ServerModes.TryRunAsync(args) ??
    await Protocols.Benchmarks.Hardening.HardeningModes.TryRunAsync(args) ??
    await Protocols.Benchmarks.Mail.StoreAppendMode.TryRunAsync(args);
