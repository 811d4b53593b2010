using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Protocols.Servers.Lines;
using Protocols.Servers.Metrics;

namespace Protocols.Servers.Smtp;

/// <summary>Everything an SMTP server endpoint is configured with. One instance may serve several endpoints.</summary>
public sealed class SmtpServerOptions
{
    /// <summary>Name in the greeting and the EHLO reply. Default "localhost".</summary>
    public string ServerName { get; set; } = "localhost";

    /// <summary>Greeting text after the name. Default "ESMTP Protocols".</summary>
    public string GreetingText { get; set; } = "ESMTP Protocols";

    /// <summary>Extensions offered. Default all; STARTTLS needs <see cref="Certificate"/>, AUTH needs
    /// <see cref="Authenticator"/>.</summary>
    public SmtpExtensions Extensions { get; set; } = SmtpExtensions.All;

    /// <summary>Limits and timeouts.</summary>
    public SmtpServerLimits Limits { get; } = new();

    /// <summary>Server certificate for STARTTLS and implicit TLS (e.g. <c>SelfSignedCertificate.Create()</c>).</summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>Full TLS options, when more than a certificate is needed; wins over <see cref="Certificate"/>.</summary>
    public SslServerAuthenticationOptions? TlsOptions { get; set; }

    /// <summary>Offer AUTH on plaintext sessions. Default false (RFC 4954 §4 and §14: PLAIN and LOGIN send the
    /// password in the clear).</summary>
    public bool AllowInsecureAuth { get; set; }

    /// <summary>Refuse MAIL until the client authenticates. Default false.</summary>
    public bool RequireAuthentication { get; set; }

    /// <summary>Refuse MAIL and AUTH until the session is TLS. Default false.</summary>
    public bool RequireTls { get; set; }

    /// <summary>AUTH mechanisms offered, in order. Default PLAIN, LOGIN, CRAM-MD5.</summary>
    public IList<string> AuthMechanisms { get; } = ["PLAIN", "LOGIN", "CRAM-MD5"];

    /// <summary>Checks AUTH credentials; AUTH is offered only when set.</summary>
    public ISmtpAuthenticator? Authenticator { get; set; }

    /// <summary>Policy hooks. Default: accept everything.</summary>
    public ISmtpHandler Handler { get; set; } = SmtpHandler.AcceptAll;

    /// <summary>Where messages go. Default: a new <see cref="InMemoryMessageStore"/> keeping all.</summary>
    public IMessageStore Store { get; set; } = new InMemoryMessageStore();

    /// <summary>Logs (the session transcript at Trace, with AUTH secrets redacted). Default none.</summary>
    public ILoggerFactory? LoggerFactory { get => _loggerFactory; set { _loggerFactory = value; _services = null; } }

    private ILoggerFactory? _loggerFactory;

    /// <summary>
    /// Run session code inline on the socket's I/O threads instead of hopping to the thread pool (Kestrel's
    /// <c>UnsafePreferInlineScheduling</c>). Faster for many short commands; safe here because sessions never block,
    /// but a hook or store that blocks would stall other connections. Used by <see cref="SmtpServer"/>. Default false.
    /// </summary>
    public bool InlineScheduling { get; set; }

    /// <summary>Clock for received times and ids.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where connections, messages and refusals are counted. Default <see cref="ProtocolsMetrics.Shared"/>.</summary>
    public ProtocolsMetrics? Metrics { get => _metrics; set { _metrics = value; _services = null; } }

    /// <summary>Slows AUTH guessing per client address across connections (one per server).</summary>
    public AuthThrottle AuthThrottle { get => _authThrottle; set { _authThrottle = value ?? throw new ArgumentNullException(nameof(value)); _services = null; } }

    /// <summary>Scripted faults around the verb table (test servers, the runtime API); null in production. Read by
    /// each new session, so it may be set or replaced while the server runs.</summary>
    public IVerbInterceptor? Faults { get => _faults; set { _faults = value; _services = null; } }

    private ProtocolsMetrics? _metrics;
    private AuthThrottle _authThrottle = new();
    private IVerbInterceptor? _faults;
    private LineServices? _services;

    /// <summary>What the sessions of this server share; made again when one of the settings above changes.</summary>
    internal LineServices Services => _services ??= new LineServices("smtp", LoggerFactory?.CreateLogger("Protocols.Servers.Smtp.SmtpSession"),
        _metrics, _faults, _authThrottle);

    internal bool Offers(SmtpExtensions extension) => (Extensions & extension) == extension;

    internal SslServerAuthenticationOptions? GetTlsOptions() =>
        TlsOptions ?? (Certificate is null ? null : new SslServerAuthenticationOptions { ServerCertificate = Certificate });
}
