using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Indexing;

/// <summary>
/// <c>ScatterElements</c> and <c>ScatterND</c>. With <c>reduction = none</c> the output is a copy: an element written
/// by an update takes its relevance from the update element (the last write, as ONNX Runtime applies them in order),
/// the others from the data element (routing). With <c>reduction = add</c> an output element is the sum of the data
/// element and the updates written to it, so its relevance is split in proportion to the terms (Norm:
/// <c>R_term = term · R / stab(Σ terms)</c>; the stabiliser's share is absorbed). Indices carry no relevance.
/// </summary>
internal sealed class ScatterRule(bool add) : IRelevanceRule
{
    public string Description => add ? "Norm" : "Route";

    public IEnumerable<string> RequiredValues(LrpNode node) => add ? [node.Inputs[0], node.Inputs[2]] : [];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        var dataShape = ctx.Shape(node.Inputs[0]);
        var updateShape = ctx.Shape(node.Inputs[2]);
        var indexShape = ctx.Shape(node.Inputs[1]);
        long[] indices = ctx.Int64s(node.Inputs[1]);
        int[] targets = node.OpType == "ScatterND"
            ? IndexingMaps.ScatterNdTargets(dataShape, indices, indexShape)
            : IndexingMaps.ScatterElementsTargets(dataShape, indices, indexShape, (int)node.Source.GetInt("axis", 0));
        var rData = new Tensor(dataShape, TensorArena.Allocate(r.Length, clear: false));
        var rUpdates = new Tensor(updateShape, TensorArena.Allocate(targets.Length, clear: false));
        if (!add)
        {
            // Routing by two gathers of R: an output element's relevance goes to its last writer, else to the data.
            var (dataMap, updateMap) = WriterMaps(targets, r.Length);
            ctx.Backend.GatherByMap(dataMap, r.Data, 0f, rData.Data);
            ctx.Backend.GatherByMap(updateMap, r.Data, 0f, rUpdates.Data);
        }
        else
        {
            // z = data + Σ updates written to each element; s = R / stab(z); R_data = data·s, R_update = update·s[target].
            var data = ctx.Value(node.Inputs[0]).Data;
            var updates = ctx.Value(node.Inputs[2]).Data;
            var z = TensorArena.Allocate(r.Length, clear: false);
            ctx.Backend.Copy(data.AsSpan(0, r.Length), z);
            ctx.Backend.ScatterAddByMap(targets, updates, z);
            var s = TensorArena.Allocate(r.Length, clear: false);
            ctx.Backend.Map(new StabilizedDivide(ctx.Epsilon), r.Data, z, s);
            var absorbed = TensorArena.Allocate(r.Length, clear: false);
            ctx.Backend.Map(new ScaledProductAdd(-1f), r.Data, s, z, absorbed);
            ctx.Absorb(absorbed);
            ctx.Backend.Map(new Product(), data.AsSpan(0, r.Length), s, rData.Data);
            var gathered = TensorArena.Allocate(targets.Length, clear: false);
            ctx.Backend.GatherByMap(targets, s, 0f, gathered);
            ctx.Backend.Map(new Product(), updates.AsSpan(0, targets.Length), gathered, rUpdates.Data);
            TensorArena.Release(z);
            TensorArena.Release(s);
            TensorArena.Release(absorbed);
            TensorArena.Release(gathered);
        }

        ctx.AddInputRelevance(0, rData);
        ctx.AddInputRelevance(2, rUpdates);
    }

    /// <summary>
    /// The routing maps of a scatter without reduction, from its write targets (ONNX Runtime applies the updates in
    /// order, so the last write wins): for each output element its own index when no update writes it (else −1), and
    /// for each update the output element it writes when it is that element's last writer (else −1).
    /// </summary>
    private static (int[] DataMap, int[] UpdateMap) WriterMaps(int[] targets, int length)
    {
        var dataMap = new int[length];
        for (int o = 0; o < length; o++)
        {
            dataMap[o] = o;
        }

        var writer = new int[length];
        Array.Fill(writer, -1);
        for (int u = 0; u < targets.Length; u++)
        {
            writer[targets[u]] = u;
            dataMap[targets[u]] = -1;
        }

        var updateMap = new int[targets.Length];
        for (int u = 0; u < targets.Length; u++)
        {
            updateMap[u] = writer[targets[u]] == u ? targets[u] : -1;
        }

        return (dataMap, updateMap);
    }
}
