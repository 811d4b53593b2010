using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Protocols.Net;

/// <summary>TLS settings for a client: at connect (implicit TLS) or for an in-place upgrade (STARTTLS, AUTH TLS).</summary>
public sealed class TlsClientOptions
{
    /// <summary>The name sent as SNI and checked against the certificate; null means the host that was connected to.</summary>
    public string? TargetHost { get; set; }

    /// <summary>Accept any server certificate (self-signed dev servers; curl's <c>-k</c>). Off by default.</summary>
    public bool AcceptAnyCertificate { get; set; }

    /// <summary>A custom certificate check; overrides <see cref="AcceptAnyCertificate"/>.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; set; }

    /// <summary>ALPN protocols to offer, e.g. <c>http/1.1</c>; none by default.</summary>
    public IList<SslApplicationProtocol> ApplicationProtocols { get; } = [];

    /// <summary>Client certificates to offer when the server asks.</summary>
    public X509CertificateCollection? ClientCertificates { get; set; }

    /// <summary>Builds the <see cref="SslClientAuthenticationOptions"/> for a host.</summary>
    public SslClientAuthenticationOptions ToSslOptions(string host)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = TargetHost ?? host,
            ClientCertificates = ClientCertificates,
        };
        if (ApplicationProtocols.Count > 0) options.ApplicationProtocols = [.. ApplicationProtocols];
        if (CertificateValidation is not null) options.RemoteCertificateValidationCallback = CertificateValidation;
        else if (AcceptAnyCertificate) options.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        return options;
    }
}
