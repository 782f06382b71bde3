using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// The relevance pass of one model, planned once: the ordered steps (output to input), the tensors ONNX Runtime
/// must hand back for them, and the shapes of every value involved.
/// </summary>
internal sealed class RelevancePlan
{
    public RelevancePlan(CanonicalGraph graph, IReadOnlyList<RelevanceStep> steps, IReadOnlyList<string> captures, IReadOnlyList<string> shapeProbes, ShapeTable shapes)
    {
        Graph = graph;
        Steps = steps;
        Captures = captures;
        ShapeProbes = shapeProbes;
        Shapes = shapes;
    }

    public CanonicalGraph Graph { get; }

    /// <summary>Steps in execution order (reverse topological order of the graph).</summary>
    public IReadOnlyList<RelevanceStep> Steps { get; }

    /// <summary>Values ONNX Runtime returns at run time besides the explained output (activations and computed parameters).</summary>
    public IReadOnlyList<string> Captures { get; }

    /// <summary>Values whose shapes are learnt once, when the plan is built.</summary>
    public IReadOnlyList<string> ShapeProbes { get; }

    public ShapeTable Shapes { get; }

    public LrpPlanStatistics Statistics() => new()
    {
        Nodes = Graph.Onnx.Nodes.Count,
        RelevanceNodes = Steps.Count + Graph.FoldedBatchNorms,
        CapturedTensors = Captures.Count,
        CapturedBytesPerSample = Captures.Where(Shapes.Contains).Sum(c => Shapes.BatchAxis(c) >= 0 ? Shapes.ElementsPerRow(c) * sizeof(float) : 0),
        FoldedBatchNorms = Graph.FoldedBatchNorms,
    };
}
