using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Microsoft.ML.Lrp.MLNet.ApplyOnnx;

/// <summary>
/// Reads what <c>mlContext.Model.Save</c> writes for one <c>OnnxTransformer</c>: a zip whose
/// <c>TransformerChain/Model.key</c> entry is an ML.NET model block (a 256-byte header, the block, a string table of
/// UTF-16 strings) and whose <c>TransformerChain/OnnxModel</c> entry holds the length-prefixed ONNX bytes. The block
/// (model signature <c>ONNXSCOR</c>, versions 0x00010002 and 0x00010003) is: the input count and their string ids,
/// the output count and their string ids, the count of custom shapes and, per shape, a string id and a
/// length-prefixed Int32 array. Anything else raises an <see cref="LrpException"/> naming what was found.
/// </summary>
internal static class OnnxTransformerStream
{
    private const ulong HeaderSignature = 0x4C45444F4D004C4DUL; // "ML\0MODEL"
    private const int HeaderSize = 0x100;
    private const string ModelSignature = "ONNXSCOR";
    private const string Directory = "TransformerChain";

    /// <summary>Parses the saved zip of one OnnxTransformer into its model bytes, columns and custom shapes.</summary>
    public static (byte[] Model, string[] Inputs, string[] Outputs, Dictionary<string, int[]> Shapes) Read(Stream savedZip)
    {
        using var zip = new ZipArchive(savedZip, ZipArchiveMode.Read, leaveOpen: true);
        byte[] key = Entry(zip, "Model.key");
        byte[] onnx = Entry(zip, "OnnxModel");
        if (onnx.Length < 4 || BinaryPrimitives.ReadInt32LittleEndian(onnx) != onnx.Length - 4)
        {
            throw Unexpected($"its {Directory}/OnnxModel entry is not one length-prefixed byte array ({onnx.Length} bytes)");
        }

        var (block, strings) = Block(key);
        var reader = new BinaryReader(new MemoryStream(block));
        try
        {
            var inputs = Names(reader, strings, "input");
            var outputs = Names(reader, strings, "output");
            int shapeCount = reader.ReadInt32();
            var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
            for (int i = 0; i < shapeCount; i++)
            {
                string name = Lookup(strings, reader.ReadInt32());
                int rank = reader.ReadInt32();
                if (rank < 0 || rank > 64)
                {
                    throw Unexpected($"the custom shape of '{name}' has rank {rank}");
                }

                shapes[name] = Enumerable.Range(0, rank).Select(_ => reader.ReadInt32()).ToArray();
            }

            return (onnx.AsSpan(4).ToArray(), inputs, outputs, shapes);
        }
        catch (EndOfStreamException)
        {
            throw Unexpected("its model block ends early");
        }
    }

    private static byte[] Entry(ZipArchive zip, string name)
    {
        var entry = zip.Entries.FirstOrDefault(e => e.FullName.Replace('\\', '/') == $"{Directory}/{name}")
            ?? throw Unexpected($"it has no entry {Directory}/{name} (entries: {string.Join(", ", zip.Entries.Select(e => e.FullName))})");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The model block and the string table of a Model.key entry, after checking the header.</summary>
    private static (byte[] Block, string[] Strings) Block(byte[] key)
    {
        if (key.Length < HeaderSize || BinaryPrimitives.ReadUInt64LittleEndian(key) != HeaderSignature)
        {
            throw Unexpected("its Model.key entry does not start with ML.NET's model header");
        }

        string signature = Encoding.ASCII.GetString(key, 0x40, 8);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(key.AsSpan(0x48));
        if (signature != ModelSignature || version is < 0x00010002 or > 0x00010003)
        {
            throw Unexpected($"its model block is '{signature.TrimEnd('\0')}' version 0x{version:X8}, not {ModelSignature} 0x00010002 or 0x00010003");
        }

        long fpModel = Long(key, 0x10), cbModel = Long(key, 0x18);
        long fpTable = Long(key, 0x20), cbTable = Long(key, 0x28);
        long fpChars = Long(key, 0x30), cbChars = Long(key, 0x38);
        if (!Fits(fpModel, cbModel, key.Length) || !Fits(fpTable, cbTable, key.Length) || !Fits(fpChars, cbChars, key.Length) || cbTable % 8 != 0)
        {
            throw Unexpected("its model header points outside the Model.key entry");
        }

        var strings = new string[cbTable / 8];
        long start = 0;
        for (int i = 0; i < strings.Length; i++)
        {
            long lim = Long(key, (int)(fpTable + 8 * i));
            if (lim < start || lim > cbChars || (lim - start) % 2 != 0)
            {
                throw Unexpected("its string table is not well formed");
            }

            strings[i] = Encoding.Unicode.GetString(key, (int)(fpChars + start), (int)(lim - start));
            start = lim;
        }

        return (key.AsSpan((int)fpModel, (int)cbModel).ToArray(), strings);
    }

    private static string[] Names(BinaryReader reader, string[] strings, string what)
    {
        int count = reader.ReadInt32();
        if (count <= 0 || count > 10_000)
        {
            throw Unexpected($"it lists {count} {what} columns");
        }

        return Enumerable.Range(0, count).Select(_ => Lookup(strings, reader.ReadInt32())).ToArray();
    }

    private static string Lookup(string[] strings, int id)
        => id >= 0 && id < strings.Length && strings[id].Length > 0 ? strings[id] : throw Unexpected($"it refers to string {id} of a table of {strings.Length}");

    private static long Long(byte[] bytes, int offset) => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(offset));

    private static bool Fits(long offset, long count, int length) => offset >= 0 && count >= 0 && offset + count <= length;

    private static LrpException Unexpected(string what)
        => new($"The OnnxTransformer saved by mlContext.Model.Save is not in the format this library reads (ML.NET's OnnxTransformer model, signature {ModelSignature}): {what}. "
            + "Explain the model with ExplainWithLrp(LrpOptions) and name its file or bytes instead.");
}
