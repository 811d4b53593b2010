using System.Buffers;
using Protocols.Lines;
using Protocols.Net;
using Protocols.Servers.Pop3;
using Protocols.Servers.Smtp;

namespace Protocols.Tests.Hardening;

/// <summary>The SMTP server session fed mutated command streams over an in-memory pair: it always answers with
/// well-formed replies, ends when the client leaves, never stores more messages than end markers were sent, and
/// never stores past the size limit.</summary>
public class SessionFuzzTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Test]
    public void Smtp_session_on_mutated_command_streams_answers_well_formed_replies_and_ends() =>
        Fuzz.Check("SMTP session (mutated command streams)", Seeds.SmtpSessions.Concat(Seeds.Fixtures(".smtp.txt")).ToArray(), async input =>
        {
            var store = new InMemoryMessageStore();
            var options = new SmtpServerOptions { Store = store, Authenticator = SmtpAuthenticator.Single("user", "pass"), AllowInsecureAuth = true };
            options.Limits.MaxMessageSize = 2000;
            options.Limits.MaxRecipients = 5;
            var (client, server) = Connection.CreatePair();
            var session = new SmtpSession(server, options);
            var run = session.RunAsync();
            // Read the replies while writing, so the server never blocks on a full pipe.
            var replies = client.Reader.ReadToEndAsync(4 * 1024 * 1024).AsTask();
            await FeedAsync(client, input);
            await run.WaitAsync(Wait);
            await session.DisposeAsync().AsTask().WaitAsync(Wait);
            var output = (await replies.WaitAsync(Wait)).ToArray();
            await client.DisposeAsync();

            var count = 0;
            var sequence = new ReadOnlySequence<byte>(output);
            var parser = new ReplyParser(strict: true, parseEnhancedCodes: true);
            while (sequence.Length > 0)
            {
                var consumed = sequence.Start;
                var examined = sequence.End;
                if (!parser.TryParseMessage(sequence, ref consumed, ref examined, out _))
                    throw new InvalidOperationException($"the server sent a partial reply: {System.Text.Encoding.UTF8.GetString(sequence.ToArray())}");
                sequence = sequence.Slice(consumed);
                count++;
            }
            if (count == 0) throw new InvalidOperationException("no greeting");
            var markers = Occurrences(input, "\n.\r\n"u8) + Occurrences(input, "BDAT"u8) + Occurrences(input, "bdat"u8);
            if (store.Messages.Count > markers)
                throw new InvalidOperationException($"{store.Messages.Count} messages stored from {markers} end markers (a smuggled split)");
            if (store.Messages.Any(m => m.Raw.Length > 2000)) throw new InvalidOperationException("a message past the size limit was stored");
        }, e => false);

    [Test]
    [Category("Slow")] // a long fuzz run (about 90 s on a loaded machine)
    public void Pop3_session_on_mutated_command_streams_ends_and_deletes_only_at_quit() =>
        Fuzz.Check("POP3 session (mutated command streams)", Seeds.Pop3Sessions, async input =>
        {
            var mailbox = new InMemoryPop3Mailbox();
            mailbox.Add("Subject: one\r\n\r\nfirst\r\n.dot line\r\n");
            mailbox.Add("Subject: two\r\n\r\nsecond\r\n");
            var (client, server) = Connection.CreatePair();
            var session = new Pop3Session(server, Pop3MailboxProvider.Shared(mailbox, "user", "pass"));
            var run = session.RunAsync();
            var replies = client.Reader.ReadToEndAsync(4 * 1024 * 1024).AsTask();
            await FeedAsync(client, input);
            await run.WaitAsync(Wait);
            var output = (await replies.WaitAsync(Wait)).ToArray();
            await client.DisposeAsync();
            if (output.Length == 0 || !output.AsSpan().StartsWith("+OK"u8)) throw new InvalidOperationException("no greeting");
            if (mailbox.Count != 2 && !System.Text.Encoding.Latin1.GetString(input).Contains("QUIT", StringComparison.OrdinalIgnoreCase))
                throw new InvalidOperationException("messages were deleted without a QUIT (RFC 1939: only the UPDATE state deletes)");
        }, e => false);

    /// <summary>Writes the input in 11-byte pieces and closes; stops early when the server has hung up (a budget
    /// for bad commands closes abusive sessions, which is allowed).</summary>
    private static async Task FeedAsync(Connection client, byte[] input)
    {
        try
        {
            for (var i = 0; i < input.Length; i += 11)
                await client.Writer.WriteAsync(input.AsMemory(i, Math.Min(11, input.Length - i))).AsTask().WaitAsync(Wait);
            await client.CloseAsync().AsTask().WaitAsync(Wait);
        }
        catch (ConnectionClosedException)
        {
            // the server closed first
        }
    }

    private static int Occurrences(ReadOnlySpan<byte> input, ReadOnlySpan<byte> token)
    {
        var count = 0;
        for (var at = input.IndexOf(token); at >= 0; at = input.IndexOf(token))
        {
            count++;
            input = input[(at + 1)..];
        }
        return count;
    }
}
