// The container of model files and checkpoints: what is written must read back bit for bit; any file
// that is not exactly what was written (a changed byte, a cut, another kind, a header that does not
// match its contents) must be refused with an InvalidDataException naming the file and the problem;
// and writing must never leave a temporary file or a half-written file behind.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dpt.Model;
using Dpt.Shared.Tests.Data;

namespace Dpt.Shared.Tests.Model;

public sealed class TensorFileSpec : IDisposable
{
    private const string Magic = "DPTTEST1";
    private readonly TempDirectory _directory = new();

    private static readonly float[] Weights = [1.5f, -0f, 0f, float.Epsilon, float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_0ABC), float.NegativeInfinity, 3e38f];
    private static readonly float[] Bias = [-2.25f];

    private string WriteSample(string name = "sample.dpt")
    {
        string path = _directory.File(name);
        TensorFile.Write(path, Magic, new JsonObject { ["format"] = 1, ["note"] = "ünïcode" }, [("w", Weights), ("empty", []), ("b", Bias)]);
        return path;
    }

    [Fact]
    public void What_is_written_must_read_back_with_its_header_and_every_bit_of_every_tensor()
    {
        string path = WriteSample();

        var (header, tensors) = TensorFile.Read(path, Magic, "test file");

        Assert.Equal(1, header["format"]!.GetValue<int>());
        Assert.Equal("ünïcode", header["note"]!.GetValue<string>());
        Assert.Equal(["b", "empty", "w"], tensors.Keys.Order());
        Assert.Equal(Bits(Weights), Bits(tensors["w"]));
        Assert.Equal(Bits(Bias), Bits(tensors["b"]));
        Assert.Empty(tensors["empty"]);
    }

    [Fact]
    public void Writing_must_replace_an_existing_file_and_leave_no_temporary_file()
    {
        string path = WriteSample();
        TensorFile.Write(path, Magic, new JsonObject(), [("b", [7f])]);

        Assert.Equal(["sample.dpt"], Directory.GetFileSystemEntries(_directory.Path).Select(Path.GetFileName));
        Assert.Equal([7f], TensorFile.Read(path, Magic, "test file").Tensors["b"]);
    }

    [Fact]
    public void A_write_that_fails_must_leave_no_temporary_file_and_the_target_untouched()
    {
        string target = _directory.File("taken");
        Directory.CreateDirectory(target); // a directory where the file should go: the final rename fails

        Assert.ThrowsAny<IOException>(() => TensorFile.Write(target, Magic, new JsonObject(), [("w", Weights)]));

        Assert.Equal(["taken"], Directory.GetFileSystemEntries(_directory.Path).Select(Path.GetFileName));
        Assert.True(Directory.Exists(target));
    }

    [Fact]
    public void A_magic_that_is_not_8_characters_must_be_refused_before_anything_is_written()
    {
        var e = Assert.Throws<ArgumentException>(() => TensorFile.Write(_directory.File("x.dpt"), "SHORT", new JsonObject(), []));
        Assert.Equal("magic", e.ParamName);
        Assert.Empty(Directory.GetFileSystemEntries(_directory.Path));
    }

    [Fact]
    public void Every_single_changed_byte_must_be_refused_naming_the_file()
    {
        string path = WriteSample();
        var original = File.ReadAllBytes(path);
        for (int i = 0; i < original.Length; i++)
        {
            var bytes = (byte[])original.Clone();
            bytes[i] ^= 0x20;
            File.WriteAllBytes(path, bytes);

            var e = Assert.Throws<InvalidDataException>(() => TensorFile.Read(path, Magic, "test file"));
            Assert.Contains(path, e.Message);
            Assert.Contains(i < Magic.Length ? "not a test file" : "damaged or truncated", e.Message);
        }
    }

    [Fact]
    public void Every_cut_of_the_file_must_be_refused_naming_the_file()
    {
        string path = WriteSample();
        var original = File.ReadAllBytes(path);
        for (int length = 0; length < original.Length; length++)
        {
            File.WriteAllBytes(path, original[..length]);

            var e = Assert.Throws<InvalidDataException>(() => TensorFile.Read(path, Magic, "test file"));
            Assert.Contains(path, e.Message);
        }
    }

    [Fact]
    public void A_file_of_another_kind_must_be_refused_as_not_this_kind()
    {
        string path = WriteSample();

        var e = Assert.Throws<InvalidDataException>(() => TensorFile.Read(path, "DPTMODEL", "model file"));

        Assert.Equal($"{path}: not a model file (it does not start with 'DPTMODEL')", e.Message);
    }

    [Fact]
    public void A_missing_file_must_be_refused_naming_it()
    {
        string path = _directory.File("absent.dpt");

        var e = Assert.Throws<InvalidDataException>(() => TensorFile.Read(path, Magic, "test file"));

        Assert.StartsWith($"{path}: cannot read the test file", e.Message);
    }

    public static TheoryData<string, int?, int, string> Inconsistent => new()
    {
        // header JSON, declared header length (null: the real one), bytes of tensor data, what the message must say
        { """{"tensors": [{"name": "w", "length": 2}]}""", int.MaxValue, 8, "header length" },
        { """{"tensors": [{"name": "w", "length": 2}]}""", -5, 8, "header length" },
        { """{"tensors": [{"name": "w", "length": 3}]}""", null, 8, "runs past the end" },
        { """{"tensors": [{"name": "w", "length": -1}]}""", null, 8, "runs past the end" },
        { """{"tensors": [{"name": "w", "length": 1}]}""", null, 8, "4 bytes after its last tensor" },
        { """{"tensors": [{"name": "w", "length": 1}, {"name": "w", "length": 1}]}""", null, 8, "'w' twice" },
        { """{"tensors": [{"length": 2}]}""", null, 8, "without a name and a length" },
        { """{"tensors": [{"name": 5, "length": 2}]}""", null, 8, "without a name and a length" },
        { """{"tensors": [{"name": "w", "length": "2"}]}""", null, 8, "without a name and a length" },
        { """{"tensors": [null]}""", null, 8, "without a name and a length" },
        { """{"tensors": {"w": 2}}""", null, 8, "lists no tensors" },
        { """{"format": 1}""", null, 0, "lists no tensors" },
        { """[1, 2]""", null, 0, "not a JSON object" },
        { """null""", null, 0, "not a JSON object" },
        { """{"tensors": [""", null, 0, "not a JSON object" },
    };

    [Theory]
    [MemberData(nameof(Inconsistent))]
    public void A_file_whose_checksum_holds_but_whose_header_does_not_fit_its_contents_must_be_refused(
        string header, int? declaredLength, int dataBytes, string problem)
    {
        string path = _directory.File("crafted.dpt");
        File.WriteAllBytes(path, Crafted(header, declaredLength, dataBytes));

        var e = Assert.Throws<InvalidDataException>(() => TensorFile.Read(path, Magic, "test file"));

        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>Magic, header length, header, data bytes and a correct SHA-256: only the header can be wrong.</summary>
    private static byte[] Crafted(string header, int? declaredLength, int dataBytes)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var body = new byte[Magic.Length + 4 + json.Length + dataBytes];
        Encoding.ASCII.GetBytes(Magic).CopyTo(body, 0);
        BinaryPrimitives.WriteInt32LittleEndian(body.AsSpan(Magic.Length), declaredLength ?? json.Length);
        json.CopyTo(body, Magic.Length + 4);
        return [.. body, .. SHA256.HashData(body)];
    }

    private static int[] Bits(float[] values) => MemoryMarshal.Cast<float, int>(values).ToArray();
}
