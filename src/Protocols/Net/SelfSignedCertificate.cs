using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Protocols.Net;

/// <summary>Makes a throwaway TLS server certificate on the fly, for dev servers and tests.</summary>
public static class SelfSignedCertificate
{
    /// <summary>
    /// Creates a self-signed ECDSA P-256 certificate valid for a day before now to <paramref name="validFor"/> after,
    /// naming <c>localhost</c>, 127.0.0.1, ::1 and any extra <paramref name="hostNames"/> as subject alternative names.
    /// The result carries its private key and is usable by <c>SslStream</c> on Linux and Windows.
    /// </summary>
    public static X509Certificate2 Create(TimeSpan? validFor = null, params string[] hostNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        foreach (var name in hostNames)
        {
            if (IPAddress.TryParse(name, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1")], false)); // id-kp-serverAuth
        var now = DateTimeOffset.UtcNow;
        using var cert = request.CreateSelfSigned(now.AddDays(-1), now.Add(validFor ?? TimeSpan.FromDays(30)));
        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Loads a certificate and its private key from PEM files (as made by openssl or certbot).</summary>
    public static X509Certificate2 LoadPem(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
