// The options of the remote transport, one class, validated before anything listens or dials.
// The cluster secret is kept out of ToString, logs and exception messages.
using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace Dpt.Remoting;

/// <summary>How a node listens, whom it trusts, and the limits it enforces on every connection.</summary>
public sealed class RemoteSettings
{
    /// <summary>The protocol version this release speaks in its Hello.</summary>
    public const int ProtocolVersion = 1;

    /// <summary>Smallest accepted cluster secret, in bytes.</summary>
    public const int MinSecretBytes = 16;

    /// <summary>The IP address (or "localhost") the listener binds to. Default "127.0.0.1"; use "0.0.0.0"
    /// to accept connections on every interface.</summary>
    public string ListenHost { get; init; } = "127.0.0.1";

    /// <summary>The TCP port to listen on, in [0, 65535]; 0 (default) picks a free port, reported in
    /// <see cref="RemoteTransport.LocalAddress"/>.</summary>
    public int ListenPort { get; init; }

    /// <summary>The host name other nodes reach this node by, written in its canonical address.
    /// Default: null, meaning <see cref="ListenHost"/> (which must then not be a wildcard).</summary>
    public string? PublicHostName { get; init; }

    /// <summary>The cluster secret, at least <see cref="MinSecretBytes"/> bytes; every node of a cluster has
    /// the same. Proved both ways at each connection (HMAC-SHA256), never sent, logged or printed.</summary>
    public byte[] Secret { get; init; } = [];

    /// <summary>Largest message (serializer header plus tensors), and largest single frame, accepted
    /// from or sent to a peer, in bytes; in [1 KiB, 1 GiB], default 64 MiB. A peer announcing more is
    /// disconnected as soon as the length is read; a larger outgoing message goes to dead letters.</summary>
    public int MaxFrameBytes { get; init; } = 64 << 20;

    /// <summary>Bytes of messages queued for one peer and not yet written to its connection, in
    /// [64 KiB, 4 GiB], default 64 MiB. Beyond it sends go to dead letters (the sender never blocks).</summary>
    public long SendQueueLimitBytes { get; init; } = 64L << 20;

    /// <summary>Payload bytes per frame, in [1 KiB, 16 MiB], default 64 KiB: a bulk message is cut into
    /// frames of this size, and a control message waits at most one such frame.</summary>
    public int FragmentBytes { get; init; } = 64 << 10;

    /// <summary>Largest <see cref="SharedMemoryBytes"/>, and largest ring a peer may offer: 1 GiB.</summary>
    public const long MaxSharedMemoryBytes = 1L << 30;

    /// <summary>Data bytes of the shared-memory ring through which this node sends bulk payloads to a peer on the same
    /// host (one ring per connection, in /dev/shm), in {0} or [64 KiB, 1 GiB]; default 8 MiB, 0 to send everything
    /// over the connection. Offered only when the peer's address is a loopback address and TLS is off, and used only
    /// if the peer maps it. The messages, their order and their limits are unchanged; the bulk payload's bytes take
    /// one copy on each side instead of two trips through the kernel's TCP stack.</summary>
    public long SharedMemoryBytes { get; init; } = 8L << 20;

    /// <summary>Where this node creates its rings, and the only directory from which it maps a peer's: an absolute,
    /// normalised path, default /dev/shm. Another tmpfs suits a container whose /dev/shm is small (Docker's is
    /// 64 MiB); where a ring cannot be created there (missing, not writable, full), payloads go over the connection.</summary>
    public string SharedMemoryDirectory { get; init; } = SharedMemoryRing.DefaultDirectory;

    /// <summary>What <see cref="SharedMemoryDirectory"/> accepts, for error messages.</summary>
    public const string RingDirectoryAccepted = "an absolute path without '.', '..', repeated or trailing '/'";

    /// <summary>Whether <paramref name="path"/> is a valid <see cref="SharedMemoryDirectory"/>: normalised, so that the
    /// check of a peer's ring path against it is a plain prefix comparison.</summary>
    public static bool IsRingDirectory(string? path) =>
        !string.IsNullOrEmpty(path) && Path.IsPathFullyQualified(path) && !path.EndsWith('/') && Path.GetFullPath(path) == path;

    /// <summary>Time a new connection has to complete the handshake, in [100 ms, 5 min], default 5 s;
    /// a connection still silent then is closed.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time to wait for a TCP connect to a peer, in [100 ms, 5 min], default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>True to wrap every connection (listened and dialed) in TLS. Default false. The HMAC
    /// handshake runs inside TLS as well.</summary>
    public bool UseTls { get; init; }

    /// <summary>This node's TLS certificate with its private key (see <see cref="LoadCertificate"/>),
    /// required when <see cref="UseTls"/> is set. Default null.</summary>
    public X509Certificate2? TlsCertificate { get; init; }

    /// <summary>SHA-256 thumbprints (hex, case-insensitive) of server certificates a dialing node
    /// accepts besides its own certificate and any certificate whose chain and host name validate
    /// against the machine's trusted CAs. Default empty. See README.md "Security".</summary>
    public IReadOnlyList<string> TlsTrustedThumbprints { get; init; } = [];

    /// <summary>True (the default) to let a sender write its message to the connection itself when that cannot block,
    /// instead of always waking the connection's writer thread; false to leave every write to that thread.</summary>
    public bool InlineWrites { get; init; } = true;

    /// <summary>For experiments and tests only: a delay added before each frame this node writes
    /// (one-way), in [0, 10 s]. Default zero.</summary>
    public TimeSpan SendDelay { get; init; } = TimeSpan.Zero;

    /// <summary>The host written in the canonical address.</summary>
    internal string AdvertisedHost => PublicHostName ?? ListenHost;

    /// <summary>Loads a certificate with its private key from a PFX (PKCS#12) file, or from a PEM
    /// certificate file plus a PEM key file (<paramref name="keyPemPath"/>).</summary>
    public static X509Certificate2 LoadCertificate(string path, string? password = null, string? keyPemPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (keyPemPath is not null) return X509Certificate2.CreateFromPemFile(path, keyPemPath);
        return X509CertificateLoader.LoadPkcs12FromFile(path, password);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting, its value and
    /// the valid range. Never shows the secret.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ListenHost))
            throw Invalid(nameof(ListenHost), $"[{ListenHost}]", "a host name or IP address");
        if (ListenPort is < 0 or > 65535)
            throw Invalid(nameof(ListenPort), ListenPort.ToString(CultureInfo.InvariantCulture), "[0, 65535] (0 picks a free port)");
        if (PublicHostName is not null && (PublicHostName.Length == 0 || PublicHostName.Any(c => c is '/' or '@' or '#' || char.IsWhiteSpace(c))))
            throw Invalid(nameof(PublicHostName), $"[{PublicHostName}]", "null or a host name without '/', '@', '#' or whitespace");
        if (PublicHostName is null && ListenHost is "0.0.0.0" or "::" or "[::]" or "*")
            throw Invalid(nameof(PublicHostName), "null", $"a host name other nodes can reach, required when {nameof(ListenHost)} is the wildcard {ListenHost}");
        if (Secret is null || Secret.Length < MinSecretBytes)
            throw Invalid(nameof(Secret), $"{Secret?.Length ?? 0} bytes", $"at least {MinSecretBytes} bytes (the same on every node)");
        if (MaxFrameBytes is < 1024 or > 1 << 30)
            throw Invalid(nameof(MaxFrameBytes), MaxFrameBytes.ToString(CultureInfo.InvariantCulture), "[1024, 1073741824] bytes");
        if (SendQueueLimitBytes is < 64 << 10 or > 4L << 30)
            throw Invalid(nameof(SendQueueLimitBytes), SendQueueLimitBytes.ToString(CultureInfo.InvariantCulture), "[65536, 4294967296] bytes");
        if (FragmentBytes is < 1024 or > 16 << 20)
            throw Invalid(nameof(FragmentBytes), FragmentBytes.ToString(CultureInfo.InvariantCulture), "[1024, 16777216] bytes");
        if (FragmentBytes > MaxFrameBytes)
            throw Invalid(nameof(FragmentBytes), FragmentBytes.ToString(CultureInfo.InvariantCulture), $"at most {nameof(MaxFrameBytes)} ({MaxFrameBytes})");
        if (SharedMemoryBytes != 0 && SharedMemoryBytes is < 64 << 10 or > MaxSharedMemoryBytes)
            throw Invalid(nameof(SharedMemoryBytes), SharedMemoryBytes.ToString(CultureInfo.InvariantCulture), "0 (off) or [65536, 1073741824] bytes");
        if (!IsRingDirectory(SharedMemoryDirectory))
            throw Invalid(nameof(SharedMemoryDirectory), $"[{SharedMemoryDirectory}]", RingDirectoryAccepted);
        CheckDuration(nameof(HandshakeTimeout), HandshakeTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        CheckDuration(nameof(ConnectTimeout), ConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        CheckDuration(nameof(SendDelay), SendDelay, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        if (UseTls && TlsCertificate is null)
            throw Invalid(nameof(TlsCertificate), "null", $"a certificate with its private key when {nameof(UseTls)} is true");
        if (UseTls && !TlsCertificate!.HasPrivateKey)
            throw Invalid(nameof(TlsCertificate), $"[{TlsCertificate.Subject}] without private key", "a certificate with its private key");
        if (TlsTrustedThumbprints is null || TlsTrustedThumbprints.Any(t => t is null || t.Length != 64 || !t.All(char.IsAsciiHexDigit)))
            throw Invalid(nameof(TlsTrustedThumbprints), TlsTrustedThumbprints is null ? "null" : $"[{string.Join(", ", TlsTrustedThumbprints)}]", "SHA-256 thumbprints of 64 hex digits each");
    }

    /// <summary>The settings without the secret, for logs.</summary>
    public override string ToString() =>
        $"RemoteSettings(Listen={ListenHost}:{ListenPort}, PublicHostName={PublicHostName ?? "(listen host)"}, Secret=<{Secret?.Length ?? 0} bytes, hidden>, " +
        $"MaxFrameBytes={MaxFrameBytes}, SendQueueLimitBytes={SendQueueLimitBytes}, FragmentBytes={FragmentBytes}, HandshakeTimeout={HandshakeTimeout}, " +
        $"SharedMemoryBytes={SharedMemoryBytes}, SharedMemoryDirectory={SharedMemoryDirectory}, UseTls={UseTls}, InlineWrites={InlineWrites}, SendDelay={SendDelay})";

    private static void CheckDuration(string name, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
            throw Invalid(name, value.ToString("c", CultureInfo.InvariantCulture), $"[{min.ToString("c", CultureInfo.InvariantCulture)}, {max.ToString("c", CultureInfo.InvariantCulture)}]");
    }

    private static ArgumentException Invalid(string setting, string value, string range) =>
        new($"RemoteSettings.{setting} is {value}; it must be {range}", setting);
}
