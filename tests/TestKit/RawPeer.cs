// A TCP peer that speaks the remoting protocol by hand against a node (in this process or a dpt process):
// it can run the real handshake under any identity and secret, then write whatever bytes a spec sends, or
// stop reading, and tell whether the node closed the connection.
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Dpt.Actors;
using Dpt.Remoting;

namespace Dpt.TestKit;

internal sealed class RawPeer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawPeer(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
        Connection = new Connection(Input, Output, "raw", dialed: true, abort: _stream.Dispose) { PeerIsLoopback = true };
    }

    /// <summary>The address this peer claims in a handshake unless told another.</summary>
    public static Address DefaultAddress { get; } = Address.Remote("raw", "127.0.0.1", 1);

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    internal Connection Connection { get; }

    /// <summary>This end's endpoint as the node logs it before a handshake ("127.0.0.1:PORT").</summary>
    public string LocalEndpoint => _socket.LocalEndPoint is IPEndPoint { Address.IsIPv4MappedToIPv6: true } mapped
        ? new IPEndPoint(mapped.Address.MapToIPv4(), mapped.Port).ToString()
        : _socket.LocalEndPoint!.ToString()!;

    /// <summary>Dials <paramref name="host"/>:<paramref name="port"/>; a small <paramref name="receiveBufferBytes"/> (0: the
    /// system's) makes a peer that stops reading push back sooner.</summary>
    public static async Task<RawPeer> ConnectAsync(string host, int port, int receiveBufferBytes = 0)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferBytes > 0) socket.ReceiveBufferSize = receiveBufferBytes;
        await socket.ConnectAsync(host, port);
        return new RawPeer(socket);
    }

    public static Task<RawPeer> ConnectAsync(Address node, int receiveBufferBytes = 0) => ConnectAsync(node.Host!, node.Port!.Value, receiveBufferBytes);

    /// <summary>Runs the real handshake with <paramref name="secret"/> as <paramref name="address"/> (default
    /// <see cref="DefaultAddress"/>), offering a shared-memory ring of <paramref name="sharedMemoryBytes"/> (0: none; the
    /// node's ring is then not mapped either).</summary>
    public Task HandshakeAsync(byte[] secret, Address? address = null, int protocolVersion = RemoteSettings.ProtocolVersion, long sharedMemoryBytes = 0) =>
        Handshake.RunAsync(Connection, new Handshake.Identity(address ?? DefaultAddress, 7, secret, protocolVersion), 1 << 20,
            new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token, sharedMemoryBytes);

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Stops sending (TCP FIN), as a peer that closes mid-frame.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>True when the node closed the connection within <paramref name="timeout"/> (reads until end of stream).</summary>
    public async Task<bool> WasClosedByNodeAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var result = await Input.ReadAsync(cts.Token);
                Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted) return true;
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>A frame prefix: the length of kind and body (uint32 little-endian), then the kind byte.</summary>
    public static byte[] Prefix(long length, byte kind)
    {
        var prefix = new byte[Framing.PrefixBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)length);
        prefix[4] = kind;
        return prefix;
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        Connection.OutboundRing?.Dispose();
        Connection.InboundRing?.Dispose();
        return ValueTask.CompletedTask;
    }
}
