using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Rules;

namespace Microsoft.ML.Lrp;

/// <summary>
/// Rule coverage of an ONNX model, without running it: which nodes lie on a relevance path and which of those
/// have a rule. The same check <see cref="LrpExplainer"/> makes before it reads any data, reported instead of thrown.
/// </summary>
/// <remarks>
/// ONNX Runtime's fused <c>com.microsoft</c> operators are decomposed into primitive operators first, as the explainer
/// does, so the counts refer to the decomposed graph. Only load ONNX models from sources you trust.
/// </remarks>
public static class LrpCoverage
{
    /// <summary>
    /// Analyses <paramref name="modelPath"/> for its first input and first output, with <see cref="LrpComposite.AttnLrp"/>
    /// when the graph has a Softmax (a transformer) and <see cref="LrpComposite.EpsilonPlusFlat"/> otherwise.
    /// </summary>
    /// <exception cref="LrpException">The model cannot be loaded, or its first output does not depend on its first input.</exception>
    public static LrpCoverageReport Analyze(string modelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        var model = OnnxModel.Load(modelPath);
        bool transformer = model.Graph.Nodes.Any(n => n.OpType == "Softmax");
        return Analyze(model, new LrpOptions { ModelFile = modelPath, Composite = transformer ? LrpComposite.AttnLrp : LrpComposite.EpsilonPlusFlat });
    }

    /// <summary>
    /// Analyses the model of <paramref name="options"/> (<see cref="LrpOptions.ModelFile"/> or
    /// <see cref="LrpOptions.ModelBytes"/>) for its explained input and output (null: the first ones) and composite.
    /// </summary>
    /// <exception cref="LrpException">The model cannot be loaded, or the output does not depend on the input.</exception>
    public static LrpCoverageReport Analyze(LrpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if ((options.ModelFile is null) == (options.ModelBytes is null))
        {
            throw new ArgumentException("Set exactly one of LrpOptions.ModelFile and LrpOptions.ModelBytes.", nameof(options));
        }

        var model = options.ModelFile is not null ? OnnxModel.Load(options.ModelFile) : OnnxModel.Load(options.ModelBytes!);
        return Analyze(model, options);
    }

    private static LrpCoverageReport Analyze(OnnxModel model, LrpOptions options)
    {
        model = FusedOpDecomposition.Apply(model, Graph.Recurrent.InputRowShapes.From(model, options));
        var onnx = model.Graph;
        string input = options.InputColumnName ?? onnx.Inputs.FirstOrDefault()?.Name ?? throw new LrpException("The model has no inputs.");
        string output = options.OutputName ?? onnx.Outputs.FirstOrDefault()?.Name ?? throw new LrpException("The model has no outputs.");
        var graph = CanonicalGraph.Build(model, input, output);
        var unsupported = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int covered = 0;
        foreach (var node in graph.RelevanceNodes)
        {
            if (RuleSelector.HasRule(node, graph, out string key))
            {
                covered += node.FoldedBatchNorm is null ? 1 : 2;
            }
            else
            {
                unsupported[key] = unsupported.GetValueOrDefault(key) + 1;
            }
        }

        int relevanceNodes = graph.RelevanceNodes.Count + graph.FoldedBatchNorms;
        return new LrpCoverageReport(input, output, options.Composite, onnx.Nodes.Count, relevanceNodes, covered, unsupported);
    }
}
