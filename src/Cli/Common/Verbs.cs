using System.CommandLine;

namespace Protocols.Cli.Common;

/// <summary>A verb (or a group of verbs) by name, and how to build it given the arguments after its name. A class: spans and
/// arrays of a struct of ours are generic instantiations ReadyToRun leaves to the JIT.</summary>
internal sealed record Verb(string Name, Func<string[], Command> Create)
{
    public Verb(string name, Func<Command> create)
        : this(name, _ => create())
    {
    }
}

/// <summary>
/// Subcommands built on demand. A process runs one verb, so when the arguments name one only that one is built: the
/// other verbs' commands and options (and the generic instantiations the JIT compiles for them, ReadyToRun or not) are
/// start-up that a client verb does not need. Any other command line (none, --help, a typo) gets them all, for the
/// listing, the usage line and the suggestions.
/// </summary>
internal static class Verbs
{
    public static TCommand Add<TCommand>(TCommand command, string[] rest, params Verb[] verbs)
        where TCommand : Command
    {
        var named = -1;
        for (var i = 0; i < verbs.Length && rest.Length > 0; i++)
        {
            if (verbs[i].Name == rest[0]) named = i;
        }
        for (var i = 0; i < verbs.Length; i++)
        {
            if (named < 0 || i == named) command.Subcommands.Add(verbs[i].Create(named < 0 ? [] : rest[1..]));
        }
        return command;
    }
}
