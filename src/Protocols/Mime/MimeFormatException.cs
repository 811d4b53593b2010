namespace Protocols.Mime;

/// <summary>Why a message could not be parsed (or was refused by a parser limit).</summary>
public enum MimeFormatError
{
    /// <summary>The input is not a mailbox / address / value of the expected syntax.</summary>
    InvalidSyntax,
    /// <summary>More header fields than <see cref="MimeParserOptions.MaxHeaderCount"/>.</summary>
    TooManyHeaders,
    /// <summary>A header line longer than <see cref="MimeParserOptions.MaxHeaderLineLength"/>.</summary>
    HeaderLineTooLong,
    /// <summary>Multiparts / message parts nested deeper than <see cref="MimeParserOptions.MaxNestingDepth"/>.</summary>
    NestingTooDeep,
    /// <summary>More MIME parts than <see cref="MimeParserOptions.MaxParts"/>.</summary>
    TooManyParts,
    /// <summary>The message is larger than <see cref="MimeParserOptions.MaxMessageSize"/>.</summary>
    MessageTooLarge,
}

/// <summary>Malformed MIME input, or input over one of the parser's limits.</summary>
public sealed class MimeFormatException : FormatException
{
    public MimeFormatException()
        : this(MimeFormatError.InvalidSyntax, "Malformed MIME input.")
    {
    }

    public MimeFormatException(string message)
        : this(MimeFormatError.InvalidSyntax, message)
    {
    }

    public MimeFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = MimeFormatError.InvalidSyntax;
    }

    public MimeFormatException(MimeFormatError error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>What went wrong.</summary>
    public MimeFormatError Error { get; }
}
