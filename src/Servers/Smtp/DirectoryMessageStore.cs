namespace Protocols.Servers.Smtp;

/// <summary>
/// Writes each message to <c>DIR/&lt;id&gt;.eml</c>: first to a temporary name in the same directory, flushed to
/// disk, then renamed, all before the server's 250, so an acknowledged message is never lost and a reader never
/// sees half a file. The id is made by the server (letters, digits and '-' only), so names stay under the root.
/// </summary>
public sealed class DirectoryMessageStore : IMessageStore
{
    public DirectoryMessageStore(string directory)
    {
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>The path the message with this id is stored at.</summary>
    public string PathFor(string id)
    {
        if (id.Length == 0 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            throw new ArgumentException("message ids are letters, digits and '-'", nameof(id));
        return Path.Combine(Directory, id + ".eml");
    }

    public async ValueTask SaveAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var final = PathFor(message.Id);
        var temp = Path.Combine(Directory, "." + message.Id + ".tmp");
        try
        {
            var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
                PreallocationSize = message.Raw.Length,
            });
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(message.Raw, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, final, overwrite: false);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
