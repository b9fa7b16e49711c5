// Connections and associations: dialing, running a connection (handshake, then frames), attaching it
// as its peer's association (one per node, either direction, simultaneous connects settled by the
// rule "the connection dialed by the lower address wins"), and what happens when one closes.
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dpt.Actors;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Dpt.Remoting;

public sealed partial class RemoteTransport
{
    /// <summary>The association with <paramref name="remote"/>, dialing it if there is none.</summary>
    private Association? GetOrDial(Address remote)
    {
        Association association;
        lock (_lock)
        {
            if (_disposed) return null;
            if (_associations.TryGetValue(remote, out var existing)) return existing;
            association = new Association(remote, Settings.SendQueueLimitBytes);
            _associations[remote] = association;
        }
        _ = Task.Run(() => DialAsync(association));
        return association;
    }

    private async Task DialAsync(Association association)
    {
        var remote = association.Remote;
        Connection connection;
        try
        {
            if (remote.Host is null || remote.Port is null) throw new IOException("the address has no host and port");
            connection = await ConnectAsync(remote.Host, remote.Port.Value).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or AuthenticationException or ArgumentException)
        {
            string reason = e is OperationCanceledException ? $"no connection within {Settings.ConnectTimeout.TotalMilliseconds:0} ms" : e.Message;
            DialFailed(association, $"could not connect: {reason}");
            return;
        }
        await RunConnectionAsync(connection, association).ConfigureAwait(false);
    }

    /// <summary>Bytes a dialed connection's pipes read or write per call to the socket at most.</summary>
    internal const int SocketBufferBytes = 256 << 10;

    /// <summary>Opens a TCP connection (and TLS when configured) with its pipes.</summary>
    private async Task<Connection> ConnectAsync(string host, int port)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        timeout.CancelAfter(Settings.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream stream;
        try
        {
            await socket.ConnectAsync(host.Trim('[', ']'), port, timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (Settings.UseTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = host,
                    RemoteCertificateValidationCallback = (_, certificate, _, errors) => IsTrustedServerCertificate(certificate, errors),
                }, timeout.Token).ConfigureAwait(false);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        // Segments of SocketBufferBytes: the writer's default 4 KiB segments made a 940 KB message 230 send calls.
        var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: SocketBufferBytes, minimumReadSize: SocketBufferBytes / 4, leaveOpen: true));
        var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: SocketBufferBytes, leaveOpen: true));
        return new Connection(input, output, $"{host}:{port}", dialed: true, abort: stream.Dispose) { PeerIsLoopback = Connection.IsLoopback(host) };
    }

    /// <summary>The TLS policy of a dialing node: a certificate whose chain and host name validate against
    /// the machine's CAs, this node's own certificate (a cluster sharing one certificate), or one whose
    /// SHA-256 thumbprint is in <see cref="RemoteSettings.TlsTrustedThumbprints"/>.</summary>
    private bool IsTrustedServerCertificate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null) return false;
        string thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        if (Settings.TlsCertificate is { } own && string.Equals(own.GetCertHashString(HashAlgorithmName.SHA256), thumbprint, StringComparison.OrdinalIgnoreCase)) return true;
        if (Settings.TlsTrustedThumbprints.Any(t => string.Equals(t, thumbprint, StringComparison.OrdinalIgnoreCase))) return true;
        Log.LogWarning("Rejected the TLS certificate [{Subject}] (SHA-256 {Thumbprint}): {Errors}, and it is neither this node's certificate nor a trusted thumbprint",
            certificate.Subject, thumbprint, errors);
        return false;
    }

    /// <summary>Kestrel's handler of an accepted connection.</summary>
    private Task RunInboundAsync(ConnectionContext context)
    {
        var connection = new Connection(context.Transport.Input, context.Transport.Output, context.RemoteEndPoint?.ToString() ?? "(unknown endpoint)",
            dialed: false, abort: () => context.Abort(new ConnectionAbortedException("closed by the remoting layer")))
        {
            PeerIsLoopback = context.RemoteEndPoint is IPEndPoint endpoint && Connection.IsLoopback(endpoint.Address),
        };
        return RunConnectionAsync(connection, dialedFor: null);
    }

    /// <summary>Runs a connection: handshake, attach, frames until it closes; then detaches it.</summary>
    private async Task RunConnectionAsync(Connection connection, Association? dialedFor)
    {
        _connections[connection] = 0;
        ConnectionWriter? writer = null;
        try
        {
            if (!await HandshakeAsync(connection, dialedFor).ConfigureAwait(false)) return;
            writer = Attach(connection, dialedFor);
            if (writer is null) return;
            var decoder = new InboundDecoder(Registry, this, Settings.MaxFrameBytes, message => Deliver(connection, message), connection.InboundRing);
            try
            {
                await decoder.RunAsync(connection.Input, connection.Closing).ConfigureAwait(false);
                connection.Close("the peer closed the connection");
            }
            catch (RemotingProtocolException e)
            {
                if (connection.Close(e.Message)) Log.LogWarning("Closing the connection with {Peer}: {Reason}", connection.Peer, e.Message);
            }
            catch (OperationCanceledException)
            {
                connection.Close("closed by this node");
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                connection.Close($"connection lost: {e.Message}");
            }
#pragma warning disable CA1031 // A bug in delivery must close this connection with a log line, not vanish.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (connection.Close($"internal error: {e.Message}")) Log.LogError(e, "Closing the connection with {Peer} after an internal error", connection.Peer);
            }
        }
        finally
        {
            connection.Close("closed");
            _connections.TryRemove(connection, out _);
            bool writerDone = true;
            if (writer is not null)
            {
                OnConnectionClosed(connection);
                await writer.Completion.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                writerDone = writer.Completion.IsCompleted;
            }
            else if (dialedFor is not null)
            {
                DialFailed(dialedFor, connection.CloseReason ?? "the handshake failed");
            }
            await connection.Input.CompleteAsync().ConfigureAwait(false);
            await connection.Output.CompleteAsync().ConfigureAwait(false);
            // The decoder has returned; the writer may still touch its ring only if it has not stopped (then it is left mapped).
            connection.InboundRing?.Dispose();
            if (writerDone) connection.OutboundRing?.Dispose();
        }
    }

    /// <summary>Runs the handshake within the timeout; false (connection closed, reason logged) on failure.</summary>
    private async Task<bool> HandshakeAsync(Connection connection, Association? dialedFor)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.Closing, _shutdown.Token);
        timeout.CancelAfter(Settings.HandshakeTimeout);
        string reason;
        try
        {
            // With TLS the user asked for every byte to go through it, so then no ring is offered or mapped.
            await Handshake.RunAsync(connection, _identity, Settings.MaxFrameBytes, timeout.Token, Settings.UseTls ? 0 : Settings.SharedMemoryBytes,
                Settings.SharedMemoryDirectory)
                .ConfigureAwait(false);
            if (connection.OutboundRing is { } ring)
                Log.LogInformation("Bulk payloads to {Peer} go through a shared-memory ring of {MiB:0.#} MiB (the peer is on this host)",
                    connection.Peer, ring.Capacity / 1048576.0);
            else if (connection.SharedMemoryNote is { } note)
                Log.LogInformation("Bulk payloads to {Peer} go over the connection: {Reason}", connection.Peer, note);
            // A node dialed by another name than its canonical one (an IP address, a DNS alias, a NAT address): both
            // names then lead to this association, so that a worker can --join whatever address reaches the coordinator.
            if (dialedFor is not null && !connection.Remote!.Equals(dialedFor.Remote))
                Log.LogInformation("The node dialed at {Dialed} calls itself {Remote}; messages to either address go over this connection", dialedFor.Remote, connection.Remote);
            return true;
        }
        catch (HandshakeFailedException e)
        {
            reason = e.ByRemote ? $"refused by the peer: {e.Message}" : $"refused: {e.Message}";
            if (e.ByRemote) Log.LogWarning("{Peer} refused this node's connection: {Reason}", connection.Peer, e.Message);
            else Log.LogWarning("Refused the connection of {Peer}: {Reason}", connection.Peer, e.Message);
            System.EventStream.Publish(new RemotingEvents.ConnectionRefused(connection.Remote?.ToString() ?? connection.Endpoint, e.Message, e.ByRemote)
                { Dialed = dialedFor?.Remote });
            if (e.RefusedHere) await LingerAfterRefusalAsync(connection).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!connection.Closing.IsCancellationRequested && !_shutdown.IsCancellationRequested)
        {
            reason = $"no handshake within {Settings.HandshakeTimeout.TotalMilliseconds:0} ms";
            Log.LogWarning("Closing the connection with {Peer}: {Reason}", connection.Peer, reason);
        }
        catch (OperationCanceledException)
        {
            reason = "closed during the handshake";
        }
        catch (RemotingProtocolException e)
        {
            reason = e.Message;
            Log.LogWarning("Closing the connection with {Peer} during the handshake: {Reason}", connection.Peer, reason);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            reason = $"the connection closed during the handshake ({e.Message})";
            Log.LogInformation("Connection with {Peer}: {Reason}", connection.Peer, reason);
        }
        connection.Close(reason);
        return false;
    }

    /// <summary>
    /// Lets the peer read the Refused frame before the connection goes: closing aborts it, and a TCP reset makes the
    /// peer's kernel drop what it has not read yet, so a busy peer would see only "connection reset" and not why.
    /// Ends the sending side, then waits (at most 500 ms) for the peer to close its own.
    /// </summary>
    private static async Task LingerAfterRefusalAsync(Connection connection)
    {
        try
        {
            await connection.Output.CompleteAsync().ConfigureAwait(false);
            using var linger = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            while (true)
            {
                var result = await connection.Input.ReadAsync(linger.Token).ConfigureAwait(false);
                connection.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled) return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer kept the connection open, or it is gone already: the refusal stands either way.
        }
    }

    /// <summary>Makes <paramref name="connection"/> the association with its peer, or closes it when an
    /// existing connection to the same incarnation wins; returns its started writer, or null.</summary>
    private ConnectionWriter? Attach(Connection connection, Association? dialedFor)
    {
        var remote = connection.Remote!;
        Association association;
        Connection? replaced = null;
        bool established = false;
        long? previousUid = null;
        lock (_lock)
        {
            if (_disposed)
            {
                connection.Close("this node's transport stopped");
                return null;
            }
            if (!_associations.TryGetValue(remote, out association!))
            {
                // Dialed under an alias: the alias's association (and the messages queued in it) serves the canonical address too.
                association = dialedFor ?? new Association(remote, Settings.SendQueueLimitBytes);
                _associations[remote] = association;
            }
            if (dialedFor is not null && !ReferenceEquals(dialedFor, association))
            {
                // The canonical address has an association already: the alias joins it, with what was queued for the alias.
                _associations[dialedFor.Remote] = association;
                foreach (var message in dialedFor.Queue.Close())
                    if (!association.Queue.TryEnqueue(message)) DeadLetter(message, $"the send queue to {remote} is full");
            }
            var active = association.Active;
            if (active is null || active.IsClosed)
            {
                established = true;
            }
            else if (active.RemoteUid != connection.RemoteUid)
            {
                replaced = active;
                previousUid = active.RemoteUid;
                established = true;
            }
            else if (Wins(connection, active))
            {
                replaced = active;
            }
            else
            {
                string lost = $"a connection to {remote} exists already (simultaneous connect: the one dialed by {Dialer(active)} is kept)";
                Log.LogDebug("Closing the connection with {Peer}: {Reason}", connection.Peer, lost);
                connection.Close(lost);
                return null;
            }
            association.Active = connection;
            association.RemoteUid = connection.RemoteUid;
        }
        replaced?.Close(previousUid is null ? "replaced by the connection dialed by " + Dialer(connection) : "the peer restarted with a new uid");
        association.Queue.Wake();
        var writer = new ConnectionWriter(connection, association.Queue, Settings, this, () => ReferenceEquals(association.Active, connection),
            (message, reason) => DeadLetter(message, reason));
        association.Writer = writer;
        writer.Start();
        if (previousUid is not null)
        {
            Log.LogInformation("{Remote} restarted (uid {Old} -> {New})", remote, previousUid, connection.RemoteUid);
            System.EventStream.Publish(new RemotingEvents.AssociationLost(remote, $"the node restarted (uid {previousUid} -> {connection.RemoteUid})"));
        }
        if (established)
        {
            Log.LogInformation("Associated with {Remote} (uid {Uid}) over the connection {Direction} {Endpoint}", remote, connection.RemoteUid,
                connection.Dialed ? "to" : "from", connection.Endpoint);
            System.EventStream.Publish(new RemotingEvents.AssociationEstablished(remote, connection.RemoteUid));
        }
        return writer;
    }

    /// <summary>The address that opened <paramref name="connection"/>.</summary>
    private Address Dialer(Connection connection) => connection.Dialed ? LocalAddress : connection.Remote!;

    /// <summary>Of two connections to one incarnation, the one dialed by the lower address wins (both
    /// nodes decide alike); between two dialed by the same node, the newer one.</summary>
    private bool Wins(Connection candidate, Connection active)
    {
        var candidateDialer = Dialer(candidate);
        var activeDialer = Dialer(active);
        if (candidateDialer.Equals(activeDialer)) return true;
        return string.CompareOrdinal(candidateDialer.ToString(), activeDialer.ToString()) < 0;
    }

    /// <summary>A connection that carried an association closed: the association ends if it was the active one.</summary>
    private void OnConnectionClosed(Connection connection)
    {
        var remote = connection.Remote!;
        List<OutboundMessage> left;
        lock (_lock)
        {
            if (!_associations.TryGetValue(remote, out var association) || !ReferenceEquals(association.Active, connection)) return;
            foreach (var key in _associations.Where(a => ReferenceEquals(a.Value, association)).Select(a => a.Key).ToList()) _associations.Remove(key);
            left = association.Queue.Close();
        }
        string reason = connection.CloseReason ?? "closed";
        Log.LogInformation("Association with {Remote} lost: {Reason} ({Dropped} queued messages to dead letters)", remote, reason, left.Count);
        DeadLetterAll(left, $"the association with {remote} was lost");
        System.EventStream.Publish(new RemotingEvents.AssociationLost(remote, reason));
    }

    /// <summary>A dial failed: unless another connection took over, the association ends.</summary>
    private void DialFailed(Association association, string reason)
    {
        List<OutboundMessage> left;
        lock (_lock)
        {
            if (association.Active is not null || !_associations.TryGetValue(association.Remote, out var current) || !ReferenceEquals(current, association)) return;
            _associations.Remove(association.Remote);
            left = association.Queue.Close();
        }
        Log.LogWarning("Could not associate with {Remote}: {Reason} ({Dropped} queued messages to dead letters)", association.Remote, reason, left.Count);
        DeadLetterAll(left, reason);
        System.EventStream.Publish(new RemotingEvents.AssociationLost(association.Remote, reason));
    }
}
