using System.CommandLine;
using System.CommandLine.Parsing;

namespace Protocols.Cli.Common;

/// <summary>
/// What is wrong with a command line, in one line, before any verb runs (exit 2): an unknown option is named as
/// such (never taken for a URL or a host), a bad value names its option and what it expects.
/// </summary>
internal static class UsageCheck
{
    public static string? Problem(ParseResult parse)
    {
        if (parse.Action is { ClearsParseErrors: true }) return null; // --help, --version
        var verb = VerbOf(parse.CommandResult);
        foreach (var token in parse.UnmatchedTokens)
        {
            if (IsOptionLike(token)) return $"unknown option {token} for '{verb}' (see {verb} --help)";
        }
        foreach (var argument in parse.CommandResult.Children.OfType<ArgumentResult>())
        {
            foreach (var token in argument.Tokens)
            {
                if (IsOptionLike(token.Value)) return $"unknown option {token.Value} for '{verb}' (see {verb} --help)";
            }
        }
        if (parse.Errors.Count == 0) return null;
        var error = parse.Errors[0];
        if (error.SymbolResult is OptionResult option && error.Message.StartsWith("Cannot parse argument", StringComparison.Ordinal))
        {
            var value = option.Tokens.Count > 0 ? option.Tokens[^1].Value : "";
            return $"bad value '{value}' for {option.Option.Name}: expected {Expected(option.Option.ValueType)}";
        }
        if (parse.UnmatchedTokens.Count > 0) return $"unexpected argument '{parse.UnmatchedTokens[0]}' for '{verb}' (see {verb} --help)";
        if (parse.CommandResult.Command.Subcommands.Count > 0 && parse.CommandResult.Command.Action is null)
            return $"'{verb}' needs a command: {string.Join(", ", parse.CommandResult.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))} (see {verb} --help)";
        return $"{error.Message} (see {verb} --help)";
    }

    private static bool IsOptionLike(string token) => token.Length > 1 && token[0] == '-' && !char.IsAsciiDigit(token[1]);

    private static string Expected(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(int) || t == typeof(long) ? "a whole number" : t == typeof(double) ? "a number" : t.Name;
    }

    /// <summary>"proto ftp ls": the command path with the root called proto (not the host process's name).</summary>
    public static string VerbOf(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? s = command; s is not null; s = s.Parent)
        {
            if (s is CommandResult c) names.Insert(0, c.Parent is null ? "proto" : c.Command.Name);
        }
        return string.Join(' ', names);
    }
}
