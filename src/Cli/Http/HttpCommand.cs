using System.CommandLine;
using Protocols.Cli.Common;

namespace Protocols.Cli.Http;

/// <summary>`proto http`: HTTP client verbs and the dev server.</summary>
internal static class HttpCommand
{
    public static Command Create(string[] rest) => Verbs.Add(new Command("http", "HTTP client and dev server"), rest,
        new Verb("get", () => HttpClientCommand.Create("get", "GET a URL: the body to stdout or -o FILE", withBody: false)),
        new Verb("head", () => HttpClientCommand.Create("head", "HEAD a URL: print the status line and headers", withBody: false)),
        new Verb("delete", () => HttpClientCommand.Create("delete", "DELETE a URL", withBody: false)),
        new Verb("put", () => HttpClientCommand.Create("put", "PUT -d DATA or --data-file FILE to a URL", withBody: true)),
        new Verb("post", () => HttpClientCommand.Create("post", "POST -d DATA or --data-file FILE to a URL", withBody: true)),
        new Verb("serve", HttpServeCommand.Create));
}
