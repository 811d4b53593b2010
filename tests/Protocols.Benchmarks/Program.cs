using BenchmarkDotNet.Running;

if (await Protocols.Benchmarks.Http.ServerModes.TryRunAsync(args) is { } exitCode) return exitCode;
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
