using System.CommandLine;

namespace Protocols.Cli.Http;

/// <summary>`proto http`: HTTP client verbs and the dev server.</summary>
internal static class HttpCommand
{
    public static Command Create() => new("http", "HTTP client and dev server")
    {
        HttpClientCommand.Create("get", "GET a URL: the body to stdout or -o FILE", withBody: false),
        HttpClientCommand.Create("head", "HEAD a URL: print the status line and headers", withBody: false),
        HttpClientCommand.Create("delete", "DELETE a URL", withBody: false),
        HttpClientCommand.Create("put", "PUT -d DATA or --data-file FILE to a URL", withBody: true),
        HttpClientCommand.Create("post", "POST -d DATA or --data-file FILE to a URL", withBody: true),
        HttpServeCommand.Create(),
    };
}
