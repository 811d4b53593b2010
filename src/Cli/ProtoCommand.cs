using System.CommandLine;
using Protocols.Cli.Common;

namespace Protocols.Cli;

/// <summary>The root of the <c>proto</c> command tree. Each protocol's verbs live in its own folder.</summary>
internal static class ProtoCommand
{
    /// <summary>The tree for <paramref name="args"/>: only the verb they name is built (<see cref="Verbs"/>); all of it without arguments.</summary>
    public static RootCommand Build(string[]? args = null) => Verbs.Add(new RootCommand("proto: SMTP, FTP and HTTP clients and dev servers"), args ?? [],
        new Verb("smtp", Smtp.SmtpCommand.Create),
        new Verb("ftp", Ftp.FtpCommand.Create),
        new Verb("http", Http.HttpCommand.Create),
        new Verb("serve", Serve.ServeCommand.Create),
        new Verb("mail", Mail.MailCommand.Create));

    /// <summary>Parses (old option spellings rewritten, usage problems answered with exit 2) and runs the verb.</summary>
    /// <remarks>Not an async method: each one that waits costs a client verb's start some dozen JIT compilations (ReadyToRun
    /// cannot hold the runtime's async builders over our state machines).</remarks>
    public static Task<int> RunAsync(string[] args)
    {
        var rewritten = LegacyOptions.Rewrite(args, Console.Error);
        Secrets.RememberFrom(rewritten);
        var parse = Build(rewritten).Parse(rewritten);
        if (UsageCheck.Problem(parse) is { } problem) return Task.FromResult(VerbRunner.Usage(Console.Error, problem));
        // Ctrl+C cancels the verb's token; the verb then prints `proto: cancelled` and returns 130 itself. The signals
        // are ours (Interrupts: listened for before the verb starts, 30 s of grace), not the library's.
        var configuration = new InvocationConfiguration { ProcessTerminationTimeout = null };
        return Interrupts.Run(parse.InvokeAsync(configuration, Interrupts.Token));
    }
}
