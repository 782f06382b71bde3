using Microsoft.ML.Lrp.Graph;
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
        var rData = new Tensor(dataShape);
        var rUpdates = new Tensor(updateShape);
        if (!add)
        {
            var writer = new int[r.Length];
            Array.Fill(writer, -1);
            for (int u = 0; u < targets.Length; u++)
            {
                writer[targets[u]] = u;
            }

            for (int o = 0; o < r.Length; o++)
            {
                if (writer[o] >= 0)
                {
                    rUpdates.Data[writer[o]] += r.Data[o];
                }
                else
                {
                    rData.Data[o] += r.Data[o];
                }
            }
        }
        else
        {
            var data = ctx.Value(node.Inputs[0]).Data;
            var updates = ctx.Value(node.Inputs[2]).Data;
            var z = new double[r.Length];
            for (int o = 0; o < z.Length; o++)
            {
                z[o] = data[o];
            }

            for (int u = 0; u < targets.Length; u++)
            {
                z[targets[u]] += updates[u];
            }

            var s = new double[z.Length];
            var absorbed = new float[r.Length];
            for (int o = 0; o < z.Length; o++)
            {
                double stab = z[o] + (z[o] >= 0 ? ctx.Epsilon : -ctx.Epsilon);
                s[o] = r.Data[o] / stab;
                absorbed[o] = (float)(r.Data[o] - (z[o] * s[o]));
                rData.Data[o] = (float)(data[o] * s[o]);
            }

            for (int u = 0; u < targets.Length; u++)
            {
                rUpdates.Data[u] = (float)(updates[u] * s[targets[u]]);
            }

            ctx.Absorb(absorbed);
        }

        ctx.AddInputRelevance(0, rData);
        ctx.AddInputRelevance(2, rUpdates);
    }
}
