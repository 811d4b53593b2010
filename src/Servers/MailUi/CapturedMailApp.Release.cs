using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Protocols.Servers.Mail;

namespace Protocols.Servers.MailUi;

/// <summary>What <c>POST api/messages/{id}/release</c> takes: the server, its port, the TLS mode (<c>none</c>,
/// <c>starttls</c>, <c>implicit</c>), credentials, recipients (default: the envelope's) and <c>insecure</c> (accept any certificate).</summary>
public sealed record MailReleaseRequest(string? Host, int? Port, string? Tls, string? User, string? Password, IReadOnlyList<string>? Recipients, bool? Insecure);

/// <summary>A relay's outcome as the API shows it (<c>relay</c> in a message's detail; the answer of a release).</summary>
public sealed record MailRelayInfo(bool Ok, int Code, string Reply, string Server, IReadOnlyList<string> Recipients, DateTimeOffset At, string Transcript)
{
    internal static MailRelayInfo? Of(MailRelayResult? r) => r is null ? null : new(r.Ok, r.Code, r.Reply, r.Server, r.Recipients, r.At, r.Transcript);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MailReleaseRequest))]
[JsonSerializable(typeof(MailRelayInfo))]
internal sealed partial class MailReleaseJsonContext : JsonSerializerContext;

/// <summary>Release: <c>POST api/messages/{id}/release</c> sends the captured bytes, unchanged, to a real SMTP server
/// (200 with its final reply, 502 with its refusal, 400 naming a bad field, 404 for an unknown id).</summary>
public sealed partial class CapturedMailApp
{
    /// <summary>Most bytes of a release request.</summary>
    private const int MaxReleaseBytes = 16 * 1024;

    /// <summary>Most recipients of one release.</summary>
    internal const int MaxReleaseRecipients = 100;

    /// <summary>The relay that releases messages and remembers each one's last result (shared with automatic relaying).</summary>
    public MailRelay Relay { get; } = new();

    private async Task ReleaseAsync(HttpContext context, string id)
    {
        var body = new byte[MaxReleaseBytes + 1];
        var read = await context.Request.Body.ReadAtLeastAsync(body, body.Length, throwOnEndOfStream: false, context.RequestAborted).ConfigureAwait(false);
        if (read > MaxReleaseBytes)
        {
            await ErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"the release request is larger than {MaxReleaseBytes} bytes").ConfigureAwait(false);
            return;
        }
        MailReleaseRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body.AsSpan(0, read), MailReleaseJsonContext.Default.MailReleaseRequest);
        }
        catch (JsonException e)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, $"expected JSON like {{\"host\": \"smtp.example.com\", \"port\": 587, \"tls\": \"starttls\"}}: {e.Message}").ConfigureAwait(false);
            return;
        }
        var (target, problem) = TargetOf(request);
        if (target is null)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, problem!).ConfigureAwait(false);
            return;
        }
        var result = await Relay.ReleaseAsync(_store, id, target, request!.Recipients, context.RequestAborted).ConfigureAwait(false);
        if (result is null)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "no such message").ConfigureAwait(false);
            return;
        }
        context.Response.StatusCode = result.Ok ? StatusCodes.Status200OK : StatusCodes.Status502BadGateway;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(MailRelayInfo.Of(result)!, MailReleaseJsonContext.Default.MailRelayInfo, cancellationToken: context.RequestAborted)
            .ConfigureAwait(false);
    }

    /// <summary>The target of a release request, or a one-line problem naming the field.</summary>
    internal static (MailRelayTarget? Target, string? Problem) TargetOf(MailReleaseRequest? request)
    {
        if (request is null) return (null, "expected a JSON object like {\"host\": \"smtp.example.com\", \"port\": 587, \"tls\": \"starttls\"}");
        if (string.IsNullOrWhiteSpace(request.Host) || request.Host.Length > 253 || request.Host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '/' or '@'))
            return (null, "host: a host name or IP address is required");
        if (request.Port is not { } port || port is < 1 or > 65535) return (null, "port: a number 1..65535 is required");
        MailRelayTls? tls = (request.Tls ?? "none").ToLowerInvariant() switch
        {
            "none" => MailRelayTls.None,
            "starttls" => MailRelayTls.StartTls,
            "implicit" => MailRelayTls.Implicit,
            _ => null,
        };
        if (tls is null) return (null, "tls: one of none, starttls, implicit");
        if (request.Password is not null && request.User is null) return (null, "user: a password needs a user");
        if (request.User is { } user && (user.Length is 0 or > 256 || user.Any(char.IsControl))) return (null, "user: 1..256 characters, no control characters");
        if (request.Password is { Length: > 1024 } || request.Password?.Any(c => c is '\r' or '\n' or '\0') == true) return (null, "password: at most 1024 characters, no line breaks");
        if (request.Recipients is { } recipients)
        {
            if (recipients.Count is 0 or > MaxReleaseRecipients) return (null, $"recipients: 1..{MaxReleaseRecipients} addresses (or leave it out for the envelope's)");
            if (recipients.FirstOrDefault(r => !IsAddress(r)) is { } bad) return (null, $"recipients: not an address: {bad}");
        }
        return (new MailRelayTarget(request.Host, port, tls.Value, request.User, request.Password, request.Insecure == true), null);
    }

    private static bool IsAddress(string? address) =>
        address is { Length: > 2 and <= 320 } && address.IndexOf('@', StringComparison.Ordinal) is > 0 and var at && at < address.Length - 1
        && !address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>');
}
