using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>The replay kernel of RMSNormalization (opset 23).</summary>
internal static class ReplayRmsNorm
{
    /// <summary><c>y = x / √(mean(x²) + ε) · scale</c> over the axes from <c>axis</c> to the last.</summary>
    public static Tensor RmsNormalization(ReplayInputs inputs)
    {
        var node = inputs.Node;
        var x = inputs.Input(0);
        int axis = (int)node.Source.GetInt("axis", -1);
        if (axis < 0)
        {
            axis += x.Rank;
        }

        double epsilon = node.Source.GetFloat("epsilon", 1e-5f);
        var normalisedShape = x.Shape[axis..];
        int size = normalisedShape.Aggregate(1, (a, b) => a * b);
        var scale = TensorShapes.BroadcastTo(inputs.Input(1), normalisedShape).Data;
        var y = new Tensor(x.Shape);
        for (int start = 0; start < x.Length; start += size)
        {
            var row = x.Data.AsSpan(start, size);
            double meanSquare = 0;
            foreach (float v in row)
            {
                meanSquare += (double)v * v;
            }

            double sigma = Math.Sqrt((meanSquare / size) + epsilon);
            var dst = y.Data.AsSpan(start, size);
            for (int i = 0; i < size; i++)
            {
                dst[i] = (float)(row[i] / sigma * scale[i]);
            }
        }

        return y;
    }
}
