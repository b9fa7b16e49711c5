// What the remote transport publishes on the actor system's EventStream, for the cluster layer
// (membership, failure detection) and for logs. The transport itself detects only closed connections.
using Dpt.Actors;

namespace Dpt.Remoting;

/// <summary>The events of the remote transport.</summary>
public static class RemotingEvents
{
    /// <summary>Published by the transport when a connection to <paramref name="Remote"/> completed its
    /// handshake and became the association with that node (in either direction).</summary>
    public sealed record AssociationEstablished(Address Remote, long RemoteUid)
    {
        public override string ToString() => $"AssociationEstablished({Remote}, uid {RemoteUid})";
    }

    /// <summary>Published by the transport when the association with <paramref name="Remote"/> ended:
    /// its connection closed or failed, a dial failed, or the node restarted with a new uid. Messages
    /// still queued for it went to dead letters. The cluster layer decides whether the node is down.</summary>
    public sealed record AssociationLost(Address Remote, string Reason)
    {
        public override string ToString() => $"AssociationLost({Remote}: {Reason})";
    }

    /// <summary>Published by the transport when a handshake failed: this node refused the peer
    /// (<paramref name="ByRemote"/> false) or the peer refused this node (true). <paramref name="Remote"/>
    /// is the address the peer claimed, or its network endpoint when it claimed none.</summary>
    public sealed record ConnectionRefused(string Remote, string Reason, bool ByRemote)
    {
        /// <summary>The address this node dialed when it opened the connection (which may be an alias of
        /// <see cref="Remote"/>); null for a connection the peer opened.</summary>
        public Address? Dialed { get; init; }

        public override string ToString() => $"ConnectionRefused({Remote}: {Reason}{(ByRemote ? ", by the remote node" : "")})";
    }
}
