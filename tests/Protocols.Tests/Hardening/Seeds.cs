using System.IO.Compression;
using System.Text;

namespace Protocols.Tests.Hardening;

/// <summary>Seed inputs for the fuzz targets: the files under <c>fixtures/</c> plus a few hand-written classics.</summary>
internal static class Seeds
{
    public static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>The repository root (the folder holding <c>Protocols.sln</c>).</summary>
    public static string RepositoryRoot => Support.Repository.Root;

    /// <summary>Files under <c>fixtures/</c> whose names end with one of <paramref name="suffixes"/>, at most 256 KB each.</summary>
    public static IEnumerable<byte[]> Fixtures(params string[] suffixes)
    {
        var root = Path.Combine(RepositoryRoot, "fixtures");
        if (!Directory.Exists(root)) yield break;
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (!suffixes.Any(s => file.EndsWith(s, StringComparison.OrdinalIgnoreCase))) continue;
            if (new FileInfo(file).Length <= 256 * 1024) yield return File.ReadAllBytes(file);
        }
    }

    public static readonly byte[][] Mime =
    [
        B("From: \"Ann\" <ann@example.org>\r\nTo: bob@example.org, =?UTF-8?B?w6lsaXNl?= <e@example.org>\r\nSubject: =?ISO-8859-1?Q?caf=E9?= menu\r\nDate: Tue, 1 Jul 2025 10:00:00 +0200\r\nMessage-ID: <1@x>\r\n\r\nHello\r\n"),
        B("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n--b2\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =\r\nsoft\r\n--b2\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b2--\r\n--b1\r\nContent-Type: application/octet-stream; name*=UTF-8''%C3%A9t%C3%A9.bin\r\nContent-Disposition: attachment; filename*0=\"a\"; filename*1=\"b.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQ==\r\n--b1\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--b1--\r\nepilogue\r\n"),
        Encoding.Latin1.GetBytes("Subject: folded\r\n continued\r\n\tagain\r\nContent-Type: text/plain; charset=\"iso-8859-1\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\u00e9t\u00e9\r\n"),
    ];

    public static readonly byte[][] SmtpSessions =
    [
        B("EHLO a.test\r\nMAIL FROM:<a@b.test> SIZE=20 BODY=8BITMIME\r\nRCPT TO:<c@d.test>\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\nbody\r\n.\r\nQUIT\r\n"),
        B("HELO a\r\nMAIL FROM:<>\r\nRCPT TO:<x@y>\r\nRCPT TO:<z@y> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;z@y\r\nRSET\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 5\r\nhelloBDAT 0 LAST\r\nNOOP\r\nVRFY x\r\nHELP\r\nQUIT\r\n"),
        B("EHLO a\r\nAUTH PLAIN AHVzZXIAcGFzcw==\r\nAUTH LOGIN\r\ndXNlcg==\r\ncGFzcw==\r\nSTARTTLS\r\nMAIL FROM:<\u00e9@b> SMTPUTF8\r\nRCPT TO:<a@b>\r\nDATA\r\na\n.\nb\r.\rc\r\n.\r\n"),
    ];

    public static readonly byte[][] Pop3Sessions =
    [
        B("CAPA\r\nUSER user\r\nPASS pass\r\nSTAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nTOP 2 0\r\nDELE 1\r\nRSET\r\nDELE 2\r\nNOOP\r\nQUIT\r\n"),
        B("USER user\r\nPASS wrong\r\nAPOP user 0123456789abcdef0123456789abcdef\r\nAUTH PLAIN\r\nAHVzZXIAcGFzcw==\r\nLIST 1\r\nDELE 1\r\nDELE 1\r\nRETR 1\r\nUIDL 2\r\n"),
        B("STLS\r\nUSER user\r\nPASS pass\r\nTOP 1 99999999999\r\nRETR 0\r\nRETR -1\r\nLIST 3\r\nDELE 2\r\nQUIT\r\n"),
    ];

    public static readonly byte[][] HttpResponses =
    [
        B("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"),
        B("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX-Folded: a\r\n b\r\n\r\nnop"),
        B("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody until the connection closes"),
        B("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"),
        GzipResponse("compressed hello"),
    ];

    public static readonly byte[][] ChunkedBodies =
    [
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00000003 ; name=\"v\"\r\nabc\r\n0\r\nTrailer-A: 1\r\nTrailer-B: 2\r\n\r\n"),
        B("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"),
    ];

    private static byte[] GzipResponse(string text)
    {
        var body = Gzip(text);
        return [.. B($"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {body.Length}\r\n\r\n"), .. body];
    }

    private static byte[] Gzip(string text)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(B(text));
        return output.ToArray();
    }
}
