using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>Winner takes all for MaxPool and GlobalMaxPool: each output's relevance goes to its window's maximum.</summary>
internal sealed class WinnerTakesAllRule : IRelevanceRule
{
    public string Description => "WinnerTakesAll";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var x = ctx.Value(node.Inputs[0]);
        var r = ctx.OutputRelevanceOrZeros(0);
        if (node.OpType == "MaxPool" && ctx.Backend is Backends.Cpu.CpuBackend)
        {
            // Fused per plane on the CPU; every element of the result is written.
            var fused = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: false));
            Backends.Cpu.MaxPoolWinners.Scatter(PoolGeometryBuilder.Build(node, x.Shape, r.Shape), x.Data, r.Data, fused.Data);
            ctx.AddInputRelevance(0, fused);
            return;
        }

        var rx = new Tensor(x.Shape);
        if (node.OpType == "MaxPool")
        {
            var g = PoolGeometryBuilder.Build(node, x.Shape, r.Shape);
            var winners = new int[r.Length];
            ctx.Backend.MaxPoolArgmax(g, x.Data, winners);
            // Each plane's winners lie in its own input plane, so planes scatter in parallel.
            int planes = x.Shape[0] * x.Shape[1];
            int outPlane = r.Length / planes;
            Parallel.For(0, planes, CpuParallel.Options, p =>
            {
                float[] target = rx.Data, source = r.Data;
                for (int i = p * outPlane, end = i + outPlane; i < end; i++)
                {
                    target[winners[i]] += source[i];
                }
            });
        }
        else
        {
            int planes = x.Shape[0] * x.Shape[1];
            int size = x.Length / planes;
            for (int p = 0; p < planes; p++)
            {
                var plane = x.Data.AsSpan(p * size, size);
                int best = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(plane);
                rx.Data[(p * size) + best] = r.Data[p];
            }
        }

        ctx.AddInputRelevance(0, rx);
    }
}
