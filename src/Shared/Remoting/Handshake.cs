// The handshake both ends of a new connection run before any message: Hello (version, canonical
// address, uid, nonce) each way, then an HMAC-SHA256 proof of the cluster secret each way, bound to
// both nonces, both addresses and the prover's role, then Accepted. A failed check sends Refused.
// Between peers on one host, Hello also offers a shared-memory ring and Accepted says whether it was mapped.
using System.Security.Cryptography;
using System.Text;
using Dpt.Actors;
using Dpt.Remoting.Wire;
using Google.Protobuf;

namespace Dpt.Remoting;

/// <summary>The handshake failed: <see cref="Exception.Message"/> is the reason (never the secret).</summary>
internal sealed class HandshakeFailedException(string reason, bool byRemote, bool refusedHere) : Exception(reason)
{
    /// <summary>True when the peer sent Refused.</summary>
    public bool ByRemote { get; } = byRemote;

    /// <summary>True when this node refused the peer (and sent it Refused).</summary>
    public bool RefusedHere { get; } = refusedHere;
}

/// <summary>Runs the handshake on a fresh connection.</summary>
internal static class Handshake
{
    private const int NonceBytes = 32;

    /// <summary>Who this node is in a handshake.</summary>
    public sealed record Identity(Address Address, long Uid, byte[] Secret, int ProtocolVersion = RemoteSettings.ProtocolVersion);

    /// <summary>Exchanges Hello, Proof and Accepted; on success sets <see cref="Connection.Remote"/> and
    /// <see cref="Connection.RemoteUid"/>. Throws <see cref="HandshakeFailedException"/> (refused either way),
    /// <see cref="RemotingProtocolException"/> (bad frame), <see cref="EndOfStreamException"/> (peer closed)
    /// or <see cref="OperationCanceledException"/> (timeout).</summary>
    public static async Task RunAsync(Connection connection, Identity self, int maxFrameBytes, CancellationToken cancellationToken,
        long sharedMemoryBytes = 0, string sharedMemoryDirectory = SharedMemoryRing.DefaultDirectory)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        // A peer on this host is offered a ring for this node's bulk payloads (see SharedMemoryRing).
        bool sharedMemory = sharedMemoryBytes > 0 && connection.PeerIsLoopback && OperatingSystem.IsLinux();
        SharedMemoryRing? offered = null;
        if (sharedMemory && OperatingSystem.IsLinux()) // IsLinux again, where the platform analyzer sees it guard Create
        {
            try
            {
                offered = SharedMemoryRing.Create(sharedMemoryBytes, self.Secret, nonce, sharedMemoryDirectory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                connection.SharedMemoryNote = $"no ring offered: {e.Message}";
            }
        }
        try
        {
            var hello = new Hello
            {
                ProtocolVersion = (uint)self.ProtocolVersion, Address = self.Address.ToString(), Uid = self.Uid, Nonce = ByteString.CopyFrom(nonce),
                SharedMemoryPath = offered?.Path ?? "", SharedMemoryBytes = (ulong)(offered?.Capacity ?? 0),
            };
            await SendAsync(connection, FrameKind.Hello, hello, cancellationToken).ConfigureAwait(false);

            var peerHello = await ReceiveAsync(connection, FrameKind.Hello, Hello.Parser, maxFrameBytes, cancellationToken).ConfigureAwait(false);
            if (peerHello.ProtocolVersion != self.ProtocolVersion)
                await RefuseAsync(connection, $"protocol version {peerHello.ProtocolVersion}, this node speaks {self.ProtocolVersion}", cancellationToken).ConfigureAwait(false);
            if (!Address.TryParse(peerHello.Address, out var peerAddress) || peerAddress.Host is null || peerAddress.Port is null)
                await RefuseAsync(connection, $"address [{peerHello.Address}] is not a remote address (dpt://system@host:port)", cancellationToken).ConfigureAwait(false);
            if (peerAddress!.Equals(self.Address))
                await RefuseAsync(connection, "the peer claims this node's own address", cancellationToken).ConfigureAwait(false);
            if (peerHello.Nonce.Length != NonceBytes)
                await RefuseAsync(connection, $"a nonce of {peerHello.Nonce.Length} bytes (expected {NonceBytes})", cancellationToken).ConfigureAwait(false);
            connection.Remote = peerAddress;
            connection.RemoteUid = peerHello.Uid;

            var peerNonce = peerHello.Nonce.ToByteArray();
            var proof = Mac(self.Secret, dialer: connection.Dialed, self.Address.ToString(), nonce, self.Uid, peerHello.Address, peerNonce);
            await SendAsync(connection, FrameKind.Proof, new Proof { Mac = ByteString.CopyFrom(proof) }, cancellationToken).ConfigureAwait(false);

            var peerProof = await ReceiveAsync(connection, FrameKind.Proof, Proof.Parser, maxFrameBytes, cancellationToken).ConfigureAwait(false);
            var expected = Mac(self.Secret, dialer: !connection.Dialed, peerHello.Address, peerNonce, peerHello.Uid, self.Address.ToString(), nonce);
            if (!CryptographicOperations.FixedTimeEquals(expected, peerProof.Mac.Span))
                await RefuseAsync(connection, "wrong cluster secret", cancellationToken).ConfigureAwait(false);
            await SendAsync(connection, FrameKind.Accepted, AcceptOffer(connection, peerHello, peerNonce, self.Secret, sharedMemory, sharedMemoryBytes, sharedMemoryDirectory), cancellationToken)
                .ConfigureAwait(false);

            var peerAccepted = await ReceiveAsync(connection, FrameKind.Accepted, Accepted.Parser, maxFrameBytes, cancellationToken).ConfigureAwait(false);
            if (offered is not null)
            {
                if (peerAccepted.SharedMemoryOpened) (connection.OutboundRing, offered) = (offered, null);
                else connection.SharedMemoryNote = $"the peer did not map this node's ring: {peerAccepted.SharedMemoryDeclined}";
            }
        }
        finally
        {
            // Mapped by both sides (or by nobody): the name has served its purpose either way.
            offered?.Unlink();
            offered?.Dispose();
            connection.OutboundRing?.Unlink();
        }
    }

    /// <summary>The Accepted message: with the peer's offered ring mapped (and kept in <see cref="Connection.InboundRing"/>)
    /// when this node allows shared memory with it, else the reason it is not.</summary>
    private static Accepted AcceptOffer(Connection connection, Hello peerHello, byte[] peerNonce, byte[] secret, bool sharedMemory, long sharedMemoryBytes,
        string sharedMemoryDirectory)
    {
        var accepted = new Accepted();
        if (peerHello.SharedMemoryPath.Length == 0) return accepted;
        if (!sharedMemory)
        {
            accepted.SharedMemoryDeclined = sharedMemoryBytes == 0 ? "shared memory is off on that node" : "that node does not see this one at a loopback address";
            return accepted;
        }
        long capacity = peerHello.SharedMemoryBytes > RemoteSettings.MaxSharedMemoryBytes ? -1 : (long)peerHello.SharedMemoryBytes;
        string? declined = SharedMemoryRing.TryOpen(peerHello.SharedMemoryPath, capacity, secret, peerNonce, out var ring, sharedMemoryDirectory);
        connection.InboundRing = ring;
        accepted.SharedMemoryOpened = ring is not null;
        accepted.SharedMemoryDeclined = declined ?? "";
        return accepted;
    }

    /// <summary>HMAC-SHA256 under <paramref name="secret"/> of the prover's role, address, nonce and uid and the
    /// verifier's address and nonce; the role label stops a peer from reflecting a proof back.</summary>
    internal static byte[] Mac(byte[] secret, bool dialer, string proverAddress, byte[] proverNonce, long proverUid, string verifierAddress, byte[] verifierNonce)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        AppendField(hmac, Encoding.UTF8.GetBytes(dialer ? "dpt-remoting-1 dialer" : "dpt-remoting-1 acceptor"));
        AppendField(hmac, Encoding.UTF8.GetBytes(proverAddress));
        AppendField(hmac, proverNonce);
        AppendField(hmac, BitConverter.GetBytes(proverUid));
        AppendField(hmac, Encoding.UTF8.GetBytes(verifierAddress));
        AppendField(hmac, verifierNonce);
        return hmac.GetHashAndReset();
    }

    /// <summary>Appends a length-prefixed field, so that no two field lists hash the same bytes.</summary>
    private static void AppendField(IncrementalHash hmac, byte[] field)
    {
        hmac.AppendData(BitConverter.GetBytes(field.Length));
        hmac.AppendData(field);
    }

    private static async Task SendAsync(Connection connection, FrameKind kind, IMessage message, CancellationToken cancellationToken)
    {
        Framing.WriteMessage(connection.Output, kind, message);
        var result = await connection.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCompleted || result.IsCanceled) throw new EndOfStreamException("the peer closed the connection");
    }

    private static async Task<T> ReceiveAsync<T>(Connection connection, FrameKind expected, MessageParser<T> parser, int maxFrameBytes, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        var (kind, body) = await Framing.ReadSmallFrameAsync(connection.Input, maxFrameBytes, cancellationToken).ConfigureAwait(false);
        if (kind == FrameKind.Refused)
        {
            string reason;
            try
            {
                reason = Refused.Parser.ParseFrom(body).Reason;
            }
            catch (InvalidProtocolBufferException)
            {
                reason = "(unreadable reason)";
            }
            throw new HandshakeFailedException(reason, byRemote: true, refusedHere: false);
        }
        if (kind != expected) throw new RemotingProtocolException($"malformed handshake: expected {expected}, received a {kind} frame");
        try
        {
            return parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RemotingProtocolException($"malformed handshake: the {expected} frame does not parse ({e.Message})");
        }
    }

    /// <summary>Sends Refused (best effort) and throws.</summary>
    private static async Task RefuseAsync(Connection connection, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(connection, FrameKind.Refused, new Refused { Reason = reason }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer is gone already; the refusal is logged here regardless.
        }
        throw new HandshakeFailedException(reason, byRemote: false, refusedHere: true);
    }
}
