using BenchmarkDotNet.Running;

if (await Protocols.Benchmarks.Imap.ImapBenchModes.TryRunAsync(args) is { } imapExit) return imapExit;
if (await Protocols.Benchmarks.Smtp.SmtpAllocationMode.TryRunAsync(args) is { } allocExitCode) return allocExitCode;
if (await Protocols.Benchmarks.HttpClientBench.ClientModes.TryRunAsync(args) is { } clientExitCode) return clientExitCode;
if (await Protocols.Benchmarks.Http.ServerModes.TryRunAsync(args) is { } exitCode) return exitCode;
if (await Protocols.Benchmarks.Hardening.HardeningModes.TryRunAsync(args) is { } hardeningExit) return hardeningExit;
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
