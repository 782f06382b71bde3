using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// The model as handed to ONNX Runtime. ONNX Runtime resolves the external data locations of a model given as bytes
/// against the process's working directory, so it must never see them unresolved: the tensors the library read and
/// checked are written inline (ONNX Runtime then runs on exactly those bytes), and only when they are too large for
/// one protobuf (over <see cref="InlineLimitBytes"/>) are the references kept, with ONNX Runtime told to resolve them
/// in the model's own folder, where the library found and checked every file.
/// </summary>
/// <param name="Bytes">The serialised model.</param>
/// <param name="ExternalDataFolder">The folder ONNX Runtime reads remaining external data from; null when none remains.</param>
/// <param name="SharedInitializers">
/// External float initializers left as references in <paramref name="Bytes"/> and handed to every session as
/// pre-allocated initializers over the library's own copy (<see cref="Onnx.OnnxTensorData.SharedFloats"/>), so the
/// weights are in memory once however many sessions run the model.
/// </param>
internal sealed record OrtModel(byte[] Bytes, string? ExternalDataFolder, IReadOnlyList<OnnxTensorData> SharedInitializers)
{
    /// <summary>
    /// External bytes above which they stay in their files (a protobuf cannot exceed 2 GiB, and inlining copies the
    /// weights once more). Settable for tests.
    /// </summary>
    internal static long InlineLimitBytes { get; set; } = 1L << 30;

    /// <summary>Writes <paramref name="model"/> with the edits of <paramref name="options"/> for an ONNX Runtime session.</summary>
    public static OrtModel From(OnnxModel model, OnnxWriteOptions options)
    {
        var shared = model.Graph.Initializers.Values.Where(t => t.SharedFloats is not null).ToList();
        long otherExternal = model.ExternalDataBytes - shared.Sum(t => t.ElementCount * sizeof(float));
        bool inline = model.ExternalDataDirectory is null || otherExternal <= InlineLimitBytes;
        bool references = !inline || shared.Count > 0;
        return new OrtModel(
            model.ToBytes(options with { InlineExternalData = inline, KeepSharedExternal = true }),
            references ? model.ExternalDataDirectory : null,
            shared);
    }
}
