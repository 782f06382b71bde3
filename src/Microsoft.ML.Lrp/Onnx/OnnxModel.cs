using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Onnx;

/// <summary>
/// An ONNX model loaded for explanation: the read-only <see cref="Graph"/> plus the original protobuf, which
/// <see cref="ToBytes"/> writes back with the edits the relevance pass needs.
/// </summary>
internal sealed class OnnxModel
{
    public const int MinOpset = 7;
    public const int MaxOpset = 23;

    private readonly ModelProto _proto;
    private readonly string? _externalDataDirectory;

    private OnnxModel(ModelProto proto, OnnxGraph graph, string? sourcePath, string? externalDataDirectory, int opset, Dictionary<string, long> imports)
    {
        _proto = proto;
        Graph = graph;
        SourcePath = sourcePath;
        _externalDataDirectory = externalDataDirectory;
        OpsetVersion = opset;
        OpsetImports = imports;
    }

    /// <summary>The folder external data is read from (validated, see <see cref="OnnxExternalData"/>); null when there is none.</summary>
    public string? ExternalDataDirectory => _externalDataDirectory;

    /// <summary>Bytes of the main graph's initializers that are stored in external files (already read and checked).</summary>
    public long ExternalDataBytes => Graph.Initializers.Values.Where(t => t.IsExternal).Sum(t => (long)(t.Raw?.Length ?? 0));

    /// <summary>The file the model came from; null when loaded from bytes.</summary>
    public string? SourcePath { get; }

    public OnnxGraph Graph { get; }

    public long IrVersion => _proto.IrVersion;

    /// <summary>The opset of the default (ai.onnx) domain; 0 when the model imports none and uses no default-domain op.</summary>
    public int OpsetVersion { get; }

    /// <summary>Imported opsets by domain ("" for ai.onnx).</summary>
    public IReadOnlyDictionary<string, long> OpsetImports { get; }

    /// <summary>Loads a model file; external data is read only from the file's own folder.</summary>
    public static OnnxModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = Path.GetFullPath(path);
        byte[] bytes;
        try
        {
            bytes = ReadFile(fullPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new LrpException($"The ONNX model file '{fullPath}' was not found.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LrpException($"The ONNX model file '{fullPath}' could not be read: {e.Message}", e);
        }

        return Parse(bytes, $"'{fullPath}'", fullPath, Path.GetDirectoryName(fullPath));
    }

    /// <summary>
    /// Reads a model file whole, after checking from its directory entry that it is a regular file small enough for
    /// one protobuf (2 GiB): a pipe or a device (<c>/dev/zero</c>) reports no length and is refused before it is
    /// opened, so that nothing reads without end.
    /// </summary>
    /// <exception cref="LrpException">The file is empty, not a regular file, or too large.</exception>
    internal static byte[] ReadFile(string fullPath)
    {
        var info = new FileInfo(fullPath);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"'{fullPath}' was not found.", fullPath);
        }

        long length = info.Length;
        if (length == 0)
        {
            throw new LrpException($"The ONNX model file '{fullPath}' is empty or is not a regular file (pipes and devices are not read).");
        }

        if (length > Array.MaxLength)
        {
            throw new LrpException($"The ONNX model file '{fullPath}' holds {length} bytes, more than one protobuf can (2 GiB); store its weights as external data.");
        }

        using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        if (!stream.CanSeek || stream.Length != length)
        {
            throw new LrpException($"The ONNX model file '{fullPath}' is not a regular file or changed while it was read.");
        }

        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// Loads a model from bytes. External data is read from <paramref name="baseDirectory"/> only; without one, a
    /// model that has external data is rejected.
    /// </summary>
    public static OnnxModel Load(byte[] bytes, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return Parse(bytes, "model bytes", null, baseDirectory is null ? null : Path.GetFullPath(baseDirectory));
    }

    /// <summary>Serialises a copy of the original model with the edits of <paramref name="options"/>; unknown fields are kept.</summary>
    public byte[] ToBytes(OnnxWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ModelProto copy = _proto.Clone();
        var writer = new OnnxModelWriter(copy, Graph, _externalDataDirectory, Source);
        if (options.InlineExternalData)
        {
            writer.InlineExternalData(options.KeepSharedExternal);
        }

        if (options.MakeBatchDynamic)
        {
            writer.MakeBatchDynamic();
        }

        writer.AddOutputs(options.ExtraOutputs);
        return copy.ToByteArray();
    }

    private string Source => SourcePath is null ? "model bytes" : $"'{SourcePath}'";

    private static OnnxModel Parse(byte[] bytes, string source, string? sourcePath, string? directory)
    {
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new LrpException($"The ONNX model {source} is not a valid ONNX model (the protobuf is truncated or corrupt: {e.Message}).", e);
        }

        if (proto.Graph is null || !proto.HasIrVersion || proto.IrVersion <= 0)
        {
            throw new LrpException($"The ONNX model {source} is not a valid ONNX model (it has no {(proto.Graph is null ? "graph" : "IR version")}).");
        }

        var imports = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (OperatorSetIdProto import in proto.OpsetImport)
        {
            imports[import.Domain == "ai.onnx" ? "" : import.Domain] = import.Version;
        }

        int opset = 0;
        if (imports.TryGetValue("", out long version))
        {
            if (version < MinOpset || version > MaxOpset)
            {
                throw new LrpException(
                    $"The ONNX model {source} uses opset {version} of the default domain; opset {version} is not supported ({MinOpset} to {MaxOpset}). Convert the model to a supported opset (for example with onnx.version_converter).");
            }

            opset = (int)version;
        }
        else if (proto.Graph.Node.Any(n => n.Domain is "" or "ai.onnx"))
        {
            throw new LrpException($"The ONNX model {source} uses default-domain operators but imports no opset for the default domain; it is not a valid ONNX model.");
        }

        OnnxGraph graph;
        try
        {
            graph = OnnxGraph.FromProto(proto.Graph, directory, source);
        }
        catch (LrpException e) when (!e.Message.Contains(source, StringComparison.Ordinal))
        {
            throw new LrpException($"The ONNX model {source}: {e.Message}", e);
        }

        return new OnnxModel(proto, graph, sourcePath, directory, opset, imports);
    }
}
