using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Rules.OnnxMl;

/// <summary>
/// Rule choice for the <c>ai.onnx.ml</c> operators that ML.NET's ONNX export emits (RULES.md has no composite
/// variants for them: each has one rule). Label, string and map ops (<c>LabelEncoder</c>, <c>ZipMap</c>,
/// <c>Binarizer</c>) never carry relevance (see <see cref="OnnxMlCatalog"/>).
/// </summary>
internal static class OnnxMlRules
{
    /// <summary>True when the node has a rule; otherwise <paramref name="reason"/> may say why.</summary>
    public static bool IsSupported(LrpNode node, CanonicalGraph graph, out string? reason)
    {
        reason = null;
        var source = node.Source;
        if (!OnnxMlCatalog.IsOnnxMl(source))
        {
            return false;
        }

        switch (node.OpType)
        {
            case "LinearRegressor" or "LinearClassifier" or "Scaler" or "Imputer" or "Normalizer" or "FeatureVectorizer"
                or "OneHotEncoder" or "ArrayFeatureExtractor":
                return true;
            case "TreeEnsembleRegressor" or "TreeEnsembleClassifier":
                string aggregate = source.GetString("aggregate_function", "SUM");
                if (aggregate is not ("SUM" or "AVERAGE"))
                {
                    reason = $"aggregate_function {aggregate}";
                    return false;
                }

                if (node.OpType == "TreeEnsembleClassifier" && ClassCount(source) == 2)
                {
                    // ONNX Runtime derives both columns of a binary classifier from one score; ML.NET never emits it.
                    reason = "binary; export the score with TreeEnsembleRegressor";
                    return false;
                }

                return true;
            default:
                return false;
        }
    }

    public static IRelevanceRule Bind(LrpNode node, CanonicalGraph graph)
    {
        var source = node.Source;
        switch (node.OpType)
        {
            case "LinearRegressor":
            {
                float[] w = Floats(source, "coefficients");
                float[] b = Floats(source, "intercepts");
                int rows = (int)source.GetInt("targets", 1);
                return new OnnxMlLinearRule(w, b, rows, 0, source.GetString("post_transform", "NONE") == "NONE");
            }

            case "LinearClassifier":
            {
                float[] w = Floats(source, "coefficients");
                float[] b = Floats(source, "intercepts");
                int rows = Math.Max(1, b.Length);
                return new OnnxMlLinearRule(w, b, rows, 1, source.GetString("post_transform", "NONE") == "NONE");
            }

            case "TreeEnsembleRegressor":
            {
                int targets = (int)source.GetInt("n_targets", 1);
                var trees = TreeEnsemble.Read(source, "target", targets);
                return new TreePathRule(trees, BaseValues(source), source.GetString("aggregate_function", "SUM") == "AVERAGE", 0, source.GetString("post_transform", "NONE") == "NONE", node.Name);
            }

            case "TreeEnsembleClassifier":
            {
                var trees = TreeEnsemble.Read(source, "class", ClassCount(source));
                return new TreePathRule(trees, BaseValues(source), false, 1, source.GetString("post_transform", "NONE") == "NONE", node.Name);
            }

            case "Scaler":
                return new ScalerRule(OrDefault(Floats(source, "offset"), 0f), OrDefault(Floats(source, "scale"), 1f));
            case "Imputer":
                return new ImputerRule(source.GetFloat("replaced_value_float", float.NaN));
            case "Normalizer":
                // y = x / norm(x): a division by a reduction of the numerator keeps R (RULES.md).
                return new PassRule(0);
            case "FeatureVectorizer":
                return new FeatureVectorizerRule(source.GetInts("inputdimensions") ?? []);
            case "OneHotEncoder":
                return new OneHotEncoderRule();
            case "ArrayFeatureExtractor":
                return new ArrayFeatureExtractorRule();
            default:
                throw new ArgumentOutOfRangeException(nameof(node), node.OpType, "No ONNX-ML rule.");
        }
    }

    private static int ClassCount(OnnxNode node)
    {
        int ints = node.GetInts("classlabels_int64s")?.Length ?? 0;
        int strings = node.Attributes.TryGetValue("classlabels_strings", out var s) ? s.Strings.Length : 0;
        return Math.Max(ints, strings);
    }

    private static double[] BaseValues(OnnxNode node) => Floats(node, "base_values").Select(v => (double)v).ToArray();

    private static float[] Floats(OnnxNode node, string name) => node.Attributes.TryGetValue(name, out var a) ? a.Floats : [];

    private static float[] OrDefault(float[] values, float fallback) => values.Length == 0 ? [fallback] : values;
}
