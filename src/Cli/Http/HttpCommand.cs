using System.CommandLine;

namespace Protocols.Cli.Http;

/// <summary>`proto http`: HTTP client and dev server.</summary>
internal static class HttpCommand
{
    public static Command Create() => new("http", "HTTP client and dev server");
}
