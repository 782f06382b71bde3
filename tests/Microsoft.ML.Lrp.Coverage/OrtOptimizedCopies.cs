using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Coverage;

/// <summary>
/// ONNX Runtime-optimized copies of the corpus models whose sidecar asks for one (<c>"ort_optimize": true</c>):
/// ONNX Runtime saves the graph after its extended optimizations (fused <c>com.microsoft</c> operators such as
/// FusedConv, FusedMatMul, Gelu, SkipLayerNormalization; QDQ groups turned into QLinearConv and friends), as
/// deployed models often are. Written here because Debian's Python has no onnxruntime.
/// </summary>
internal static class OrtOptimizedCopies
{
    /// <summary>The suffix of a copy's name.</summary>
    public const string Suffix = "_ortopt";

    /// <summary>Writes the missing copies into the corpus folder; returns one line per copy written or failed.</summary>
    public static IEnumerable<string> Write(string corpus)
    {
        foreach (string sidecar in Directory.GetFiles(corpus, "*.json").Order(StringComparer.Ordinal))
        {
            var json = JsonNode.Parse(File.ReadAllText(sidecar))!.AsObject();
            string name = (string)json["name"]!;
            if (json["ort_optimize"]?.GetValue<bool>() != true || name.EndsWith(Suffix, StringComparison.Ordinal))
            {
                continue;
            }

            string copyName = name + Suffix;
            string copySidecar = Path.Combine(corpus, copyName + ".json");
            if (File.Exists(copySidecar))
            {
                continue;
            }

            string? line = null;
            try
            {
                string copyModel = copyName + ".onnx";
                using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = Path.Combine(corpus, copyModel) })
                using (new InferenceSession(Path.Combine(corpus, (string)json["model"]!), options))
                {
                }

                json["name"] = copyName;
                json["model"] = copyModel;
                json["ort_optimize"] = false;
                json.Remove("expect_on_path"); // fusions rename ops (QDQ groups become QLinearConv)
                json["families"]!.AsArray().Add("ort-optimized");
                json["note"] = $"{name} saved by ONNX Runtime {OrtEnv.Instance().GetVersionString()} after ORT_ENABLE_EXTENDED optimizations";
                File.WriteAllText(copySidecar, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                line = $"wrote {copyName}";
            }
            catch (Exception e)
            {
                line = $"no ONNX Runtime-optimized copy of {name}: {e.Message.Split('\n', 2)[0]}";
            }

            yield return line;
        }
    }
}
