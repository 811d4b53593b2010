using System.Security.Cryptography.X509Certificates;
using Protocols.Net;

namespace Protocols.Servers.Hosting;

/// <summary>Implicit TLS on one endpoint: the handshake happens as soon as a client connects.</summary>
public sealed class EndpointTls
{
    public EndpointTls(X509Certificate2 certificate) =>
        Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));

    /// <summary>The server certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Handshake timeout. Default 10 s, Kestrel's own default for HTTPS.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A throwaway self-signed certificate for localhost, made now (<see cref="SelfSignedCertificate"/>).</summary>
    public static EndpointTls SelfSigned(params string[] hostNames) =>
        new(SelfSignedCertificate.Create(null, hostNames));

    /// <summary>A certificate and key from PEM files (as made by openssl or certbot).</summary>
    public static EndpointTls FromPemFiles(string certificatePath, string keyPath) =>
        new(SelfSignedCertificate.LoadPem(certificatePath, keyPath));
}
