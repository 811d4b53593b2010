using System.Net;
using Microsoft.AspNetCore.Http;

namespace Protocols.Servers.Http;

/// <summary>
/// Refuses requests whose <c>Host</c> names a host the server was not started for: the defence against DNS
/// rebinding, where a page from <c>attacker.example</c> re-points its own name at 127.0.0.1 and then reads this
/// server as "same origin". Accepted: IP literals (a rebinding needs a DNS name, so an address is always what the
/// client dialled), <c>localhost</c> and names under <c>.localhost</c> (RFC 6761: never sent to DNS), and the
/// names given in the allowed list. A request without <c>Host</c> (HTTP/1.0) is not from a browser and passes.
/// Others get 421 Misdirected Request (RFC 9110 section 15.5.20).
/// </summary>
internal static class HostCheck
{
    public static bool Allows(HostString host, IEnumerable<string> allowed)
    {
        if (!host.HasValue) return true;
        var name = host.Host;
        if (name.Length == 0) return true;
        if (name[0] == '[') return name[^1] == ']' && IPAddress.TryParse(name.AsSpan(1, name.Length - 2), out _);
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)) return true;
        if (IsIPv4Literal(name)) return true;
        foreach (var allowedName in allowed)
        {
            if (name.Equals(allowedName, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    // Dotted decimal only: 127.0.0.1, not "127.0.0.1.attacker.example" (which IPAddress would refuse anyway) nor
    // browser-style shorthands, which a user does not type for a dev server.
    private static bool IsIPv4Literal(string name) =>
        name.Length <= 15 && name.AsSpan().IndexOfAnyExcept("0123456789.") < 0 && IPAddress.TryParse(name, out var address)
        && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && name.Count(c => c == '.') == 3;

    public static Task RefuseAsync(HttpContext context)
    {
        context.Response.Headers.Connection = "close";
        return Responses.TextAsync(context, StatusCodes.Status421MisdirectedRequest,
            "421 Misdirected Request: this server does not answer for that host name\n");
    }
}
