// A TCP peer that speaks the remoting protocol by hand against a dpt process: the real handshake (it knows
// the cluster secret), then whatever bytes a spec sends. The same idea as Shared.Tests' RawPeer, which
// runs against in-process nodes; this project does not reference that one.
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Dpt.Actors;
using Dpt.Remoting;

namespace Dpt.Coordinator.Tests.Cluster;

internal sealed class RawPeer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly Connection _connection;

    private RawPeer(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        var output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
        _connection = new Connection(_input, output, "raw", dialed: true, abort: _stream.Dispose);
    }

    /// <summary>This end's endpoint as the node logs it before a handshake ("127.0.0.1:PORT").</summary>
    public string LocalEndpoint => _socket.LocalEndPoint!.ToString()!;

    public static async Task<RawPeer> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", port);
        return new RawPeer(socket);
    }

    /// <summary>Runs the real handshake as <paramref name="address"/> with <paramref name="secret"/>, as a worker would.</summary>
    public Task HandshakeAsync(Address address, string secret) =>
        Handshake.RunAsync(_connection, new Handshake.Identity(address, 7, Encoding.UTF8.GetBytes(secret.Trim())), 1 << 20,
            new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);

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
                var result = await _input.ReadAsync(cts.Token);
                _input.AdvanceTo(result.Buffer.End);
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
        return ValueTask.CompletedTask;
    }
}
