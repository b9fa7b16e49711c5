// Accepts the connections of other nodes: Kestrel in a slim host with a raw TCP connection handler
// (no HTTP), TLS through Kestrel's HTTPS middleware when configured. It only accepts; the transport
// runs each connection. The socket transport's read buffer limit (1 MiB) pauses reading when this
// node falls behind, so TCP flow control pushes back on the sender; its write buffer (4 MiB) lets the
// connection's writer flush a whole 1 MB message without waiting for the socket.
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dpt.Remoting;

/// <summary>The listening side of the transport.</summary>
internal sealed class KestrelListener(RemoteSettings settings, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    /// <summary>Bytes an accepted connection's output pipe holds before a flush waits for the socket.</summary>
    internal const long WriteBufferBytes = 4L << 20;

    private WebApplication? _app;

    /// <summary>Runs one accepted connection until it closes; set before the first connection arrives.</summary>
    public Func<ConnectionContext, Task>? OnConnection { get; set; }

    /// <summary>Binds and starts accepting; returns the port actually bound.</summary>
    public async Task<int> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, NoLifetime>();
        builder.Services.AddSingleton(new Handler(this));
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(new LargeBlockMemoryPool.Factory());
        ListenOptions? bound = null;
        builder.WebHost.UseSockets(sockets =>
        {
            // Kestrel's default 64 KiB write buffer made every flush of a gradient or parameter message wait for its
            // sender thread to drain the pipe; past this limit (above the writer's FlushBytes) a flush still waits.
            sockets.MaxWriteBufferSize = WriteBufferBytes;
            // Run the connection's continuations where the socket completes (reads) or where the writer flushes
            // (sends) instead of dispatching each to the thread pool. "Unsafe" for handlers that block; this one
            // never does: the decoder hands messages to mailboxes, and each writer has a thread of its own. With
            // SocketCompletions.PreferInline, two worker processes at batch 512: 80,000-98,000 samples/s against
            // 66,000-76,000, communication 0.59-0.85 ms against 1.05-1.14 (four alternations).
            sockets.UnsafePreferInlineScheduling = true;
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(ListenAddress(settings.ListenHost), settings.ListenPort, listen =>
            {
                bound = listen;
                if (settings.UseTls)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = settings.TlsCertificate,
                        HandshakeTimeout = settings.HandshakeTimeout,
                    });
                }
                listen.UseConnectionHandler<Handler>();
            });
        });
        _app = builder.Build();
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        return bound?.IPEndPoint?.Port ?? throw new InvalidOperationException("Kestrel did not report the bound port");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _app = null;
    }

    private static IPAddress ListenAddress(string host) =>
        host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" => IPAddress.Any,
            _ when IPAddress.TryParse(host.Trim('[', ']'), out var ip) => ip,
            _ => Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new ArgumentException($"RemoteSettings.ListenHost [{host}] does not resolve to an IP address", nameof(host)),
        };

    /// <summary>Kestrel's entry point for each accepted connection.</summary>
    private sealed class Handler(KestrelListener listener) : ConnectionHandler
    {
        public override Task OnConnectedAsync(ConnectionContext connection) =>
            listener.OnConnection?.Invoke(connection) ?? Task.CompletedTask;
    }

    /// <summary>The host's lifetime does nothing: the transport is stopped by its owner, not by Ctrl+C.</summary>
    internal sealed class NoLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
