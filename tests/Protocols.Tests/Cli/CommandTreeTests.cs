using System.CommandLine;
using Protocols.Cli;

namespace Protocols.Tests.Cli;

/// <summary>The command tree is built for the verb the arguments name (start-up of a client verb), and whole otherwise.</summary>
[NonParallelizable]
public class CommandTreeTests
{
    private static string[] Names(Command command) => command.Subcommands.Select(c => c.Name).ToArray();

    [Test]
    public void Without_arguments_every_verb_is_there()
    {
        var root = ProtoCommand.Build();
        Assert.That(Names(root), Is.EqualTo(new[] { "smtp", "ftp", "http", "serve", "mail" }));
        Assert.That(Names(root.Subcommands.Single(c => c.Name == "ftp")), Is.EqualTo(new[] { "ls", "get", "put", "rm", "mkdir", "rmdir", "mv", "serve" }));
        Assert.That(Names(root.Subcommands.Single(c => c.Name == "http")), Is.EqualTo(new[] { "get", "head", "delete", "put", "post", "serve" }));
    }

    [Test]
    public void A_named_verb_is_built_alone()
    {
        var root = ProtoCommand.Build(["ftp", "put", "f", "ftp://h/"]);
        Assert.That(Names(root), Is.EqualTo(new[] { "ftp" }));
        var put = root.Subcommands.Single().Subcommands.Single();
        Assert.That(put.Name, Is.EqualTo("put"));
        Assert.That(put.Options.Select(o => o.Name), Does.Contain("--resume").And.Contain("--starttls"));
        Assert.That(Names(ProtoCommand.Build(["serve", "--tls"])), Is.EqualTo(new[] { "serve" }));
    }

    [TestCase("ftp")]
    [TestCase("ftp", "--help")]
    [TestCase("ftp", "pt")]
    public void A_group_without_a_known_verb_lists_all_of_its_verbs(params string[] args)
    {
        var root = ProtoCommand.Build(args);
        Assert.That(Names(root), Is.EqualTo(new[] { "ftp" }));
        Assert.That(Names(root.Subcommands.Single()), Has.Length.EqualTo(8));
    }

    [TestCase("--help")]
    [TestCase("--version")]
    [TestCase("fpt", "put")]
    public void Anything_else_gets_the_whole_tree(params string[] args)
    {
        Assert.That(Names(ProtoCommand.Build(args)), Has.Length.EqualTo(5));
    }

    [Test]
    public async Task A_group_without_a_verb_still_says_which_verbs_it_has()
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.That(await ProtoCommand.RunAsync(["ftp"]), Is.EqualTo(2));
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.That(error.ToString(), Does.Contain("'proto ftp' needs a command: ls, get, put, rm, mkdir, rmdir, mv, serve"));
    }
}
