using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.MLNet.TrainedModel;

/// <summary>
/// Finds, in the ONNX graph <c>ConvertToOnnx</c> writes for a whole ML.NET pipeline, which of the pipeline's input
/// columns each slot of the feature column comes from: backwards from the feature column through slot-wise
/// featurizers (<c>Scaler</c>, <c>Imputer</c>, <c>Cast</c>, <c>Normalizer</c>…), splitting at each
/// <c>FeatureVectorizer</c> by its <c>inputdimensions</c>; the slots of any other featurizer (<c>OneHotEncoder</c>,
/// hashing, <c>LabelEncoder</c>…) belong to the single graph input its value depends on. The graph inputs are named
/// like the pipeline's input columns.
/// </summary>
internal static class FeatureColumnTrace
{
    private static readonly HashSet<string> SlotWise = new(StringComparer.Ordinal)
    {
        "Scaler", "Imputer", "Cast", "Identity", "Normalizer", "Binarizer", "Clip", "Relu", "Abs", "Neg",
    };

    /// <summary>
    /// Input column → slot indices of <paramref name="featureColumnName"/>, covering every slot once; null when a slot
    /// cannot be traced to exactly one input column (then the caller falls back to slot names).
    /// </summary>
    public static Dictionary<string, int[]>? Groups(byte[] exported, string featureColumnName)
    {
        var graph = ModelProto.Parser.ParseFrom(exported).Graph;
        var featureOutput = graph.Output.FirstOrDefault(o => o.Name == featureColumnName + ".output");
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (string output in node.Output)
            {
                producers[output] = node;
            }
        }

        if (featureOutput is null || !producers.TryGetValue(featureOutput.Name, out var last) || last.Input.Count == 0)
        {
            return null;
        }

        var dims = featureOutput.Type?.TensorType?.Shape?.Dim;
        int length = dims is { Count: > 0 } ? (int)dims[^1].DimValue : 0;
        if (length <= 0)
        {
            return null;
        }

        var inputs = new HashSet<string>(graph.Input.Select(i => i.Name), StringComparer.Ordinal);
        inputs.ExceptWith(graph.Initializer.Select(t => t.Name));
        var segments = new List<(string Column, int Length)>();
        if (!Trace(last.Input[0], length, producers, inputs, segments, depth: 0) || segments.Sum(s => s.Length) != length)
        {
            return null;
        }

        var groups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        int slot = 0;
        foreach (var (column, count) in segments)
        {
            if (!groups.TryGetValue(column, out var slots))
            {
                groups[column] = slots = [];
            }

            slots.AddRange(Enumerable.Range(slot, count));
            slot += count;
        }

        return groups.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
    }

    private static bool Trace(string value, int length, Dictionary<string, NodeProto> producers, HashSet<string> inputs, List<(string, int)> segments, int depth)
    {
        if (inputs.Contains(value))
        {
            segments.Add((value, length));
            return true;
        }

        if (depth > 1000 || !producers.TryGetValue(value, out var node))
        {
            return false;
        }

        if (node.OpType == "FeatureVectorizer")
        {
            var dimensions = node.Attribute.FirstOrDefault(a => a.Name == "inputdimensions")?.Ints;
            if (dimensions is null || dimensions.Count != node.Input.Count)
            {
                return false;
            }

            for (int i = 0; i < node.Input.Count; i++)
            {
                if (!Trace(node.Input[i], (int)dimensions[i], producers, inputs, segments, depth + 1))
                {
                    return false;
                }
            }

            return true;
        }

        if (SlotWise.Contains(node.OpType) && node.Input.Count > 0)
        {
            return Trace(node.Input[0], length, producers, inputs, segments, depth + 1);
        }

        var sources = Sources(value, producers, inputs);
        if (sources.Count != 1)
        {
            return false;
        }

        segments.Add((sources.First(), length));
        return true;
    }

    /// <summary>The graph inputs that <paramref name="value"/> depends on.</summary>
    private static HashSet<string> Sources(string value, Dictionary<string, NodeProto> producers, HashSet<string> inputs)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([value]);
        while (pending.Count > 0)
        {
            string name = pending.Pop();
            if (name.Length == 0 || !seen.Add(name))
            {
                continue;
            }

            if (inputs.Contains(name))
            {
                found.Add(name);
            }
            else if (producers.TryGetValue(name, out var node))
            {
                foreach (string input in node.Input)
                {
                    pending.Push(input);
                }
            }
        }

        return found;
    }
}
