using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Protocols.Tests.Hardening;

/// <summary>One raw HTTP/1.1 exchange on a new connection: the request as written (no client fixing it up), the answer
/// read until the server closes (the requests say <c>Connection: close</c>) or a bounded amount.</summary>
internal static class RawHttp
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    internal sealed record Answer(int Status, string Head, string Body)
    {
        public string? Header(string name)
        {
            foreach (var line in Head.Split("\r\n"))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && line.AsSpan(0, colon).Equals(name, StringComparison.OrdinalIgnoreCase)) return line[(colon + 1)..].Trim();
            }
            return null;
        }

        public override string ToString() => Head + "\r\n\r\n" + (Body.Length > 300 ? Body[..300] + "..." : Body);
    }

    public static async Task<Answer> SendAsync(IPEndPoint endPoint, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint).WaitAsync(Wait);
        await socket.SendAsync(Encoding.Latin1.GetBytes(request).AsMemory(), SocketFlags.None).AsTask().WaitAsync(Wait);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (received.Length < 1_000_000)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(Wait);
            }
            catch (SocketException) when (received.Length > 0)
            {
                break; // reset after the answer: the server closed without reading the rest of a bad body
            }
            if (read == 0) break;
            received.Write(buffer, 0, read);
        }
        var text = Encoding.Latin1.GetString(received.ToArray());
        Assert.That(text, Does.StartWith("HTTP/1.1 "), "not an HTTP response: " + text);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = end < 0 ? text : text[..end];
        var body = end < 0 ? "" : text[(end + 4)..];
        return new Answer(int.Parse(text.AsSpan(9, 3), CultureInfo.InvariantCulture), head, body);
    }

    /// <summary>A request with <c>Host</c> (the endpoint unless given), <c>Connection: close</c> and extra header lines.</summary>
    public static Task<Answer> SendAsync(IPEndPoint endPoint, string method, string target, string? host = null, string headers = "", string body = "")
    {
        var request = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{method} {target} HTTP/1.1\r\n")
            .Append(CultureInfo.InvariantCulture, $"Host: {host ?? $"127.0.0.1:{endPoint.Port}"}\r\n")
            .Append("Connection: close\r\n")
            .Append(headers);
        if (body.Length > 0 || method is "PUT" or "POST" or "DELETE")
            request.Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.Latin1.GetByteCount(body)}\r\n");
        request.Append("\r\n").Append(body);
        return SendAsync(endPoint, request.ToString());
    }
}
