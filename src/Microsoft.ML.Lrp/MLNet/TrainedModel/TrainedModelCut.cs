using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.MLNet.TrainedModel;

/// <summary>
/// Cuts the ONNX graph that <c>ConvertToOnnx</c> writes for a whole ML.NET pipeline down to the predictor: the
/// feature column's value becomes the graph's only input (named like the column) and the predictor's raw scores its
/// only output (<see cref="OutputName"/>): a linear model's margins or class logits (post-transform set to NONE),
/// a tree ensemble's sums, one column per class for one-versus-all ensembles (concatenated). Calibrators and
/// probability normalisation after the raw scores are dropped.
/// </summary>
internal static class TrainedModelCut
{
    /// <summary>The cut model's output.</summary>
    public const string OutputName = "RawScore";

    private static readonly HashSet<string> Predictors = new(StringComparer.Ordinal)
    {
        "LinearRegressor", "LinearClassifier", "TreeEnsembleRegressor", "TreeEnsembleClassifier",
    };

    public static byte[] Cut(byte[] exported, string featureColumnName)
    {
        var model = ModelProto.Parser.ParseFrom(exported);
        var graph = model.Graph;
        var featureOutput = graph.Output.FirstOrDefault(o => o.Name == featureColumnName + ".output")
            ?? throw new LrpException($"The exported model has no column '{featureColumnName}' (its ONNX outputs: {string.Join(", ", graph.Output.Select(o => o.Name))}). Pass the name of the column the trainer reads as featureColumnName.");
        var featureValue = graph.Node.First(n => n.Output.Contains(featureOutput.Name)).Input[0];

        var carriers = new HashSet<string>(StringComparer.Ordinal) { featureValue };
        var scores = new List<string>();
        foreach (var node in graph.Node)
        {
            if (node.Input.Count == 0 || !carriers.Contains(node.Input[0]))
            {
                continue;
            }

            if (node.OpType is "Identity" or "Cast" && node.Domain.Length == 0)
            {
                carriers.Add(node.Output[0]);
            }
            else if (node.Domain == "ai.onnx.ml" && Predictors.Contains(node.OpType))
            {
                bool classifier = node.OpType.EndsWith("Classifier", StringComparison.Ordinal);
                var post = node.Attribute.FirstOrDefault(a => a.Name == "post_transform");
                if (post is not null)
                {
                    post.S = ByteString.CopyFromUtf8("NONE");
                }

                scores.Add(ScaledScore(graph, node.Output[classifier ? 1 : 0]));
            }
        }

        if (scores.Count == 0)
        {
            throw new LrpException($"The exported model has no linear or tree-ensemble predictor reading the column '{featureColumnName}'; only ML.NET's linear trainers (SDCA, L-BFGS…), FastTree, FastForest and LightGbm can be explained this way.");
        }

        var newNodes = new List<NodeProto>();
        string explained = scores.Count == 1 ? scores[0] : "LrpConcatenatedScores";
        if (scores.Count > 1)
        {
            var concat = new NodeProto { OpType = "Concat", Name = "LrpConcatenateScores" };
            concat.Input.AddRange(scores);
            concat.Output.Add(explained);
            concat.Attribute.Add(new AttributeProto { Name = "axis", I = 1, Type = AttributeProto.Types.AttributeType.Int });
            newNodes.Add(concat);
        }

        var identity = new NodeProto { OpType = "Identity", Name = "LrpRawScore" };
        identity.Input.Add(explained);
        identity.Output.Add(OutputName);
        newNodes.Add(identity);

        // Keep what the scores need, back to the feature value.
        var needed = new HashSet<string>(scores, StringComparer.Ordinal);
        var kept = new List<NodeProto>();
        foreach (var node in graph.Node.Reverse())
        {
            if (!node.Output.Any(needed.Contains) || node.Output.Contains(featureValue))
            {
                continue;
            }

            kept.Add(node);
            foreach (var name in node.Input.Where(i => i.Length > 0 && i != featureValue))
            {
                needed.Add(name);
            }
        }

        kept.Reverse();
        kept.AddRange(newNodes);
        foreach (var node in kept)
        {
            for (int i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == featureValue)
                {
                    node.Input[i] = featureColumnName;
                }
            }
        }

        var initializers = graph.Initializer.Where(t => needed.Contains(t.Name)).ToList();
        var input = featureOutput.Clone();
        input.Name = featureColumnName;
        var output = new ValueInfoProto { Name = OutputName };
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        graph.Input.Clear();
        graph.Input.Add(input);
        graph.Output.Clear();
        graph.Output.Add(output);
        graph.ValueInfo.Clear();
        return model.ToByteArray();
    }

    /// <summary>The score after a division by a constant (FastForest averages its trees that way), else the score.</summary>
    private static string ScaledScore(GraphProto graph, string score)
    {
        var consumers = graph.Node.Where(n => n.Input.Contains(score)).ToList();
        var div = consumers.FirstOrDefault(n => n.OpType == "Div" && n.Input[0] == score && graph.Initializer.Any(t => t.Name == n.Input[1]));
        return div is not null && consumers.Count(n => n.OpType != "Identity") == 1
            ? div.Output[0]
            : score;
    }
}
