// Self-signed certificates generated in the test (no files, no machine store).
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dpt.Shared.Tests.Remoting;

internal static class TestCertificates
{
    /// <summary>A self-signed ECDSA P-256 server certificate for localhost and 127.0.0.1, with its key
    /// (round-tripped through PFX so TLS on every platform can use the key).</summary>
    public static X509Certificate2 SelfSigned(string subject, int seed)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var serial = new byte[8];
        new Random(seed).NextBytes(serial);
        serial[0] &= 0x7F;
        using var certificate = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
        using var withKey = certificate.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }
}
