using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>
/// <c>Loop</c> with a trip count known when the plan is built (a constant, or a dim of a shape known then): the body
/// is inlined once per iteration, loop-carried values threaded from one copy to the next (so relevance flows back
/// through them iteration by iteration), scan outputs stacked along a new leading axis. A loop that may end early
/// (a condition the body computes) or whose trip count is unknown is refused.
/// </summary>
internal sealed class LoopUnroller : IFusedOpDecomposer
{
    /// <summary>The most iterations unrolled (each copies the body).</summary>
    public const int MaxIterations = 4096;

    public IReadOnlyList<string> OpTypes { get; } = ["Loop"];

    public void Decompose(FusedGraphBuilder b)
    {
        GraphProto body = SubgraphInliner.Body(b, "body");
        string tripCount = b.Input(0);
        long? trips = tripCount.Length == 0 ? null : b.Shapes?.ScalarInt(tripCount);
        if (trips is not long m || m < 1 || m > MaxIterations)
        {
            throw b.Unsupported(
                trips is long t ? $"a trip count of {t}" : $"a trip count ('{tripCount}') that is not known when the plan is built",
                $"Only loops with 1 to {MaxIterations} iterations known from constants or input shapes are unrolled; set LrpOptions.InputRowShape when the count comes from a symbolic input dim.");
        }

        string condition = b.Input(1);
        if (condition.Length > 0 && !EndsOnlyByCount(body, condition))
        {
            throw b.Unsupported("a loop condition the body computes", "Only loops that run their full trip count (the body passes its condition through, or returns a constant true) are unrolled.");
        }

        int carried = body.Input.Count - 2;
        var state = Enumerable.Range(0, carried).Select(k => b.Input(2 + k)).ToArray();
        int scans = body.Output.Count - 1 - carried;
        var scanValues = Enumerable.Range(0, scans).Select(_ => new List<string>()).ToArray();
        string conditionValue = condition.Length > 0 ? condition : b.Op("Cast", [b.Int64Scalar(1)], null, ("to", 9L));
        for (long i = 0; i < m; i++)
        {
            string[] outputs = SubgraphInliner.Inline(b, body, [b.Int64Scalar(i), conditionValue, .. state]);
            state = outputs[1..(1 + carried)];
            for (int k = 0; k < scans; k++)
            {
                scanValues[k].Add(b.Unsqueeze(outputs[1 + carried + k], [0]));
            }
        }

        for (int k = 0; k < carried; k++)
        {
            if (b.Output(k).Length > 0)
            {
                b.Op("Identity", [state[k]], b.Output(k));
            }
        }

        for (int k = 0; k < scans; k++)
        {
            if (b.Output(carried + k).Length > 0)
            {
                b.Op("Concat", [.. scanValues[k]], b.Output(carried + k), ("axis", 0L));
            }
        }
    }

    /// <summary>
    /// True when the body's condition output is its condition input, the loop's own condition read from the outer
    /// scope (PyTorch exports <c>Identity(cond)</c> of the outer value), or a constant true, through Identity nodes.
    /// </summary>
    /// <remarks>The initial condition is taken as true (a loop whose initial condition is false never runs).</remarks>
    private static bool EndsOnlyByCount(GraphProto body, string outerCondition)
    {
        string value = body.Output[0].Name;
        for (int depth = 0; depth < 8; depth++)
        {
            if (value == body.Input[1].Name || (value == outerCondition && !body.Node.Any(n => n.Output.Contains(value))))
            {
                return true;
            }

            NodeProto? producer = body.Node.FirstOrDefault(n => n.Output.Contains(value));
            if (producer is { OpType: "Identity" })
            {
                value = producer.Input[0];
                continue;
            }

            TensorProto? constant = producer is { OpType: "Constant" } ? producer.Attribute.FirstOrDefault(a => a.Name == "value")?.T : body.Initializer.FirstOrDefault(t => t.Name == value);
            return constant is not null && IsTrue(constant);
        }

        return false;
    }

    private static bool IsTrue(TensorProto t)
        => t.Int32Data.Count > 0 ? t.Int32Data.All(v => v != 0) : t.RawData.Length > 0 && t.RawData.All(v => v != 0);
}
