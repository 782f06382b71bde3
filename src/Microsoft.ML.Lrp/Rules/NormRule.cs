using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// Norm for sums (Add, Sum, Sub): <c>R_i = x_i · R / stab(Σ_j x_j)</c>, the subtrahend of Sub entering as <c>−x</c>.
/// Operands that carry no relevance (constants, side inputs) absorb their share, as does the stabiliser.
/// </summary>
internal sealed class NormRule(float? epsilon = null) : IRelevanceRule
{
    public string Description => "Norm";

    public IEnumerable<string> RequiredValues(LrpNode node) => node.Inputs.Where(i => i.Length > 0);

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        var outShape = r.Shape;
        var operands = new List<(int Index, Tensor Value, float Sign)>();
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (node.Inputs[i].Length == 0)
            {
                continue;
            }

            float sign = node.OpType == "Sub" && i == 1 ? -1f : 1f;
            operands.Add((i, TensorShapes.BroadcastTo(ctx.Value(node.Inputs[i]), outShape), sign));
        }

        // The fused pass writes each share at the operand's own shape: only when no relevance-carrying operand is broadcast.
        if (operands.Count <= 4 && operands.All(o => !ctx.IsRelevanceInput(o.Index) || Tensor.ShapeSize(ctx.Shape(node.Inputs[o.Index])) == r.Length))
        {
            PropagateFused(ctx, r, operands);
            return;
        }

        var z = new Tensor(outShape);
        foreach (var (_, value, sign) in operands)
        {
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(value.Data, sign, z.Data, z.Data);
        }

        var s = new Tensor(outShape);
        ctx.Backend.Map(new StabilizedDivide(epsilon ?? ctx.Epsilon), r.Data, z.Data, s.Data);
        var absorbed = r.Clone();
        foreach (var (index, value, sign) in operands)
        {
            var share = new Tensor(outShape);
            ctx.Backend.Map(new ScaledProductAdd(sign), share.Data, value.Data, s.Data, share.Data);
            if (ctx.IsRelevanceInput(index))
            {
                System.Numerics.Tensors.TensorPrimitives.Subtract(absorbed.Data, share.Data, absorbed.Data);
                ctx.AddInputRelevance(index, TensorShapes.ReduceToShape(share, ctx.Shape(node.Inputs[index])));
            }
        }

        ctx.Absorb(absorbed.Data);
    }

    /// <summary>
    /// The same rule in one pass over blocks of the batch, when no operand is broadcast: per block the sum, the
    /// quotient, each operand's share and the absorbed remainder, with the blocks run in parallel.
    /// </summary>
    private void PropagateFused(RuleContext ctx, Tensor r, List<(int Index, Tensor Value, float Sign)> operands)
    {
        const int Block = 4096;
        var divide = new StabilizedDivide(epsilon ?? ctx.Epsilon);
        int rows = ctx.Batch, rowLength = r.Length / rows;
        int blocksPerRow = (rowLength + Block - 1) / Block;
        var shares = new Tensor?[operands.Count];
        var relevant = new bool[operands.Count];
        for (int i = 0; i < operands.Count; i++)
        {
            relevant[i] = ctx.IsRelevanceInput(operands[i].Index);
            shares[i] = relevant[i] ? new Tensor(ctx.Shape(ctx.Node.Inputs[operands[i].Index])) : null;
        }

        var absorbedPerBlock = new double[rows * blocksPerRow];
        Parallel.For(
            0,
            rows * blocksPerRow,
            () => (new float[Block], new float[Block]),
            (item, _, scratch) =>
            {
                var (z, s) = scratch;
                int row = item / blocksPerRow;
                int start = (row * rowLength) + (item % blocksPerRow * Block);
                int length = Math.Min(Block, ((row + 1) * rowLength) - start);
                var zs = z.AsSpan(0, length);
                var ss = s.AsSpan(0, length);
                var rs = r.Data.AsSpan(start, length);
                zs.Clear();
                foreach (var (_, value, sign) in operands)
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(value.Data.AsSpan(start, length), sign, zs, zs);
                }

                StabilizedDivide.Apply(divide, rs, zs, ss);
                double absorbed = System.Numerics.Tensors.TensorPrimitives.Sum<float>(rs);
                for (int i = 0; i < operands.Count; i++)
                {
                    if (!relevant[i])
                    {
                        continue;
                    }

                    var share = shares[i]!.Data.AsSpan(start, length);
                    System.Numerics.Tensors.TensorPrimitives.Multiply(operands[i].Value.Data.AsSpan(start, length), ss, share);
                    if (operands[i].Sign != 1f)
                    {
                        System.Numerics.Tensors.TensorPrimitives.Multiply(share, operands[i].Sign, share);
                    }

                    absorbed -= System.Numerics.Tensors.TensorPrimitives.Sum<float>(share);
                }

                absorbedPerBlock[item] = absorbed;
                return scratch;
            },
            _ => { });

        for (int row = 0; row < rows; row++)
        {
            double sum = 0;
            for (int b = 0; b < blocksPerRow; b++)
            {
                sum += absorbedPerBlock[(row * blocksPerRow) + b];
            }

            ctx.Absorb(row, sum);
        }

        for (int i = 0; i < operands.Count; i++)
        {
            if (relevant[i])
            {
                ctx.AddInputRelevance(operands[i].Index, shares[i]!);
            }
        }
    }
}
