using System.Globalization;
using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// Keeps what calibrated rules learnt (tree covers per node) inside the ONNX model's <c>metadata_props</c>, under
/// <c>lrp.covers/{node name}</c>, so that a saved and reloaded step explains as the fitted one did. ONNX Runtime
/// ignores these entries.
/// </summary>
internal static class CalibrationMetadata
{
    private const string Prefix = "lrp.covers/";

    /// <summary>The model bytes with <paramref name="covers"/> stored (replacing earlier entries).</summary>
    public static byte[] Store(byte[] model, IReadOnlyDictionary<string, long[]> covers)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        var kept = proto.MetadataProps.Where(p => !p.Key.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        proto.MetadataProps.Clear();
        proto.MetadataProps.AddRange(kept);
        foreach (var (node, values) in covers)
        {
            proto.MetadataProps.Add(new StringStringEntryProto { Key = Prefix + node, Value = string.Join(",", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) });
        }

        return proto.ToByteArray();
    }

    /// <summary>Covers stored in the model, by node name; empty when none.</summary>
    public static Dictionary<string, long[]> Read(byte[] model)
    {
        var result = new Dictionary<string, long[]>(StringComparer.Ordinal);
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException)
        {
            return result;
        }

        foreach (var entry in proto.MetadataProps.Where(p => p.Key.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            result[entry.Key[Prefix.Length..]] = entry.Value.Length == 0 ? [] : entry.Value.Split(',').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        }

        return result;
    }
}
