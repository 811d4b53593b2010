using System.CommandLine;

namespace Protocols.Cli.Http;

/// <summary>One client verb (get, head, delete, put, post) and its options, curl-style.</summary>
internal static class HttpClientCommand
{
    public static Command Create(string verb, string description, bool withBody)
    {
        var url = new Argument<string>("url") { Description = "http:// or https:// URL (http:// is assumed when no scheme is given)" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the body to FILE instead of stdout" };
        var headers = new Option<string[]>("--header", "-H") { Description = "Add a header \"Name: value\" (repeatable)", AllowMultipleArgumentsPerToken = false };
        var data = new Option<string?>("--data", "-d") { Description = "Send DATA as the body (Content-Type application/x-www-form-urlencoded unless -H sets one)" };
        var dataFile = new Option<FileInfo?>("--data-file") { Description = "Send the file's bytes as the body ('-' reads stdin, sent chunked)" };
        var location = new Option<bool>("--location", "-L") { Description = "Follow redirects (301, 302, 303, 307, 308)" };
        var insecure = new Option<bool>("--insecure", "-k") { Description = "Accept any TLS certificate" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print the request and response heads to stderr (Authorization redacted)" };
        var json = new Option<bool>("--json") { Description = "Print status, headers and timing as JSON to stdout (the body only goes to -o)" };
        var fail = new Option<bool>("--fail", "-f") { Description = "Exit 22 when the status is 400 or more" };
        var timeout = new Option<double?>("--timeout", "-m") { Description = "Seconds to wait for the response head, and for each read of the body (default 100)" };

        var command = new Command(verb, description) { url, output, headers, location, insecure, verbose, json, fail, timeout };
        if (withBody)
        {
            command.Options.Add(data);
            command.Options.Add(dataFile);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new HttpClientSettings(
                verb.ToUpperInvariant(), parse.GetValue(url)!, parse.GetValue(output)?.FullName, parse.GetValue(headers) ?? [],
                withBody ? parse.GetValue(data) : null, withBody ? parse.GetValue(dataFile)?.ToString() : null,
                parse.GetValue(location), parse.GetValue(insecure), parse.GetValue(verbose), parse.GetValue(json), parse.GetValue(fail),
                parse.GetValue(timeout));
            return await HttpClientRunner.RunAsync(settings, Console.Out, Console.Error, Console.OpenStandardOutput, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}

/// <summary>What a client verb was asked to do.</summary>
internal sealed record HttpClientSettings(
    string Method, string Url, string? OutputPath, string[] Headers, string? Data, string? DataFile,
    bool FollowRedirects, bool Insecure, bool Verbose, bool Json, bool Fail, double? TimeoutSeconds);
