// The container of model files and checkpoints: an 8-byte magic naming the kind, a JSON header, named
// float32 arrays as raw little-endian bytes, and a SHA-256 of all that, so a truncated or altered file is
// refused with a clear message instead of loading garbage. Written to a temporary file and renamed,
// so a crash mid-write never leaves a half file under the real name.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dpt.Model;

public static class TensorFile
{
    private const int MagicLength = 8;
    private const int HashLength = 32;

    /// <summary>Writes <paramref name="header"/> and <paramref name="tensors"/> under an 8-character <paramref name="magic"/>.</summary>
    public static void Write(string path, string magic, JsonObject header, IReadOnlyList<(string Name, float[] Data)> tensors)
    {
        if (magic.Length != MagicLength) throw new ArgumentException($"magic '{magic}' must be {MagicLength} ASCII characters", nameof(magic));
        var index = new JsonArray();
        foreach (var (name, data) in tensors) index.Add(new JsonObject { ["name"] = name, ["length"] = data.Length });
        header["tensors"] = index;
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            WriteTo(temporary, magic, json, tensors);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static void WriteTo(string temporary, string magic, byte[] json, IReadOnlyList<(string Name, float[] Data)> tensors)
    {
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            void Put(ReadOnlySpan<byte> bytes)
            {
                file.Write(bytes);
                hash.AppendData(bytes);
            }
            Put(Encoding.ASCII.GetBytes(magic));
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, json.Length);
            Put(length);
            Put(json);
            foreach (var (_, data) in tensors)
            {
                if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("tensor files are little-endian");
                Put(MemoryMarshal.AsBytes(data.AsSpan()));
            }
            file.Write(hash.GetHashAndReset());
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Reads a file written by <see cref="Write"/>; throws <see cref="InvalidDataException"/> naming the file and the problem.</summary>
    public static (JsonObject Header, Dictionary<string, float[]> Tensors) Read(string path, string magic, string what)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the {what}: {e.Message}", e);
        }
        if (bytes.Length < MagicLength + 4 + HashLength || Encoding.ASCII.GetString(bytes, 0, MagicLength) != magic)
            throw new InvalidDataException($"{path}: not a {what} (it does not start with '{magic}')");
        var body = bytes.AsSpan(0, bytes.Length - HashLength);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - HashLength)))
            throw new InvalidDataException($"{path}: the {what} is damaged or truncated (its SHA-256 does not match)");
        int jsonLength = BinaryPrimitives.ReadInt32LittleEndian(body.Slice(MagicLength));
        if (jsonLength < 2 || MagicLength + 4L + jsonLength > body.Length)
            throw new InvalidDataException($"{path}: the {what} has a header length of {jsonLength} bytes, which does not fit the file");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(body.Slice(MagicLength + 4, jsonLength)) as JsonObject
                     ?? throw new InvalidDataException($"{path}: the {what}'s header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the {what}'s header is not a JSON object: {e.Message}", e);
        }

        var tensors = new Dictionary<string, float[]>();
        int offset = MagicLength + 4 + jsonLength;
        if (header["tensors"] is not JsonArray index) throw new InvalidDataException($"{path}: the {what}'s header lists no tensors");
        foreach (var entry in index)
        {
            if (entry is not JsonObject
                || entry["name"] is not JsonValue nameValue || !nameValue.TryGetValue(out string? name)
                || entry["length"] is not JsonValue lengthValue || !lengthValue.TryGetValue(out int length))
                throw new InvalidDataException($"{path}: the {what}'s header lists a tensor without a name and a length: {entry?.ToJsonString() ?? "null"}");
            if (tensors.ContainsKey(name))
                throw new InvalidDataException($"{path}: the {what}'s header lists tensor '{name}' twice");
            if (length < 0 || offset + 4L * length > body.Length)
                throw new InvalidDataException($"{path}: tensor '{name}' of {length} floats runs past the end of the {what}");
            var data = new float[length];
            body.Slice(offset, 4 * length).CopyTo(MemoryMarshal.AsBytes(data.AsSpan()));
            tensors[name] = data;
            offset += 4 * length;
        }
        if (offset != body.Length)
            throw new InvalidDataException($"{path}: the {what} has {body.Length - offset} bytes after its last tensor");
        return (header, tensors);
    }
}
