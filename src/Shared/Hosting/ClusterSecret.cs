// The shared secret every node of a cluster proves when it connects (HMAC challenge and response in the
// transport's handshake). It comes from a file (--secret-file) or the DPT_CLUSTER_SECRET environment
// variable and is never logged, printed or put in an exception message.
using System.Text;
using Dpt.Training;

namespace Dpt.Hosting;

public static class ClusterSecret
{
    /// <summary>The environment variable read when no secret file is given.</summary>
    public const string EnvironmentVariable = "DPT_CLUSTER_SECRET";

    /// <summary>Shortest secret accepted, in bytes (after trimming whitespace): 128 bits.</summary>
    public const int MinimumBytes = 16;

    /// <summary>The secret from <paramref name="file"/>, or else from <see cref="EnvironmentVariable"/>;
    /// throws <see cref="InvalidOptionException"/> naming the source and what is accepted, never the secret.</summary>
    public static byte[] Load(string? file, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string text;
        string source;
        if (file is not null)
        {
            source = "--secret-file";
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOptionException("--secret-file", file, $"expected a readable file holding the cluster secret ({e.Message})");
            }
        }
        else
        {
            source = EnvironmentVariable;
            text = environment(EnvironmentVariable)
                ?? throw new InvalidOptionException("--secret-file", "", $"expected a file holding the cluster secret, or the secret in the environment variable {EnvironmentVariable}; " +
                    "make one with: head -c 32 /dev/urandom | base64 > secret && chmod 600 secret");
        }
        var bytes = Encoding.UTF8.GetBytes(text.Trim());
        if (bytes.Length < MinimumBytes)
            throw new InvalidOptionException(source, file ?? "(set)", $"expected a secret of at least {MinimumBytes} bytes; this one has {bytes.Length}");
        return bytes;
    }
}
