using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Rules;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>Turns a Gemm, MatMul (constant weight), Conv or ConvTranspose node into a <see cref="LinearLayer"/>.</summary>
internal static class LinearLayerBuilder
{
    public static bool IsDense(LrpNode node, CanonicalGraph graph) => node.OpType switch
    {
        "Gemm" => true,
        "MatMul" => node.Inputs.Count == 2 && graph.KindOf(node.Inputs[1]) == ValueKind.Constant && graph.IsRelevance(node.Inputs[0]),
        _ => false,
    };

    public static LinearLayer Build(LrpNode node, CanonicalGraph graph, ShapeTable shapes)
    {
        if (node.Inputs.Count < 2 || node.Inputs[1].Length == 0)
        {
            throw new LrpException($"Node '{node.Name}' ({node.OpType}) has {node.Inputs.Count(i => i.Length > 0)} input(s); a linear node needs its data and its weight.");
        }

        try
        {
            return BuildLayer(node, graph, shapes);
        }
        catch (LrpException e) when (!e.Message.Contains($"'{node.Name}'", StringComparison.Ordinal))
        {
            throw new LrpException($"Node '{node.Name}' ({node.OpType}): {e.Message}", e);
        }
    }

    private static LinearLayer BuildLayer(LrpNode node, CanonicalGraph graph, ShapeTable shapes)
    {
        var layer = node.OpType switch
        {
            "Gemm" => (LinearLayer)BuildGemm(node, graph),
            "MatMul" => BuildMatMul(node, graph),
            "Conv" or "ConvTranspose" => BuildConv(node, graph, shapes),
            _ => throw new InvalidOperationException($"{node} is not a linear node."),
        };

        if (node.FoldedBatchNorm is { } bn)
        {
            FoldBatchNorm(layer, bn, graph, (int)node.Source.GetInt("group", 1), graph.Constants.Get(node.Inputs[1]).Shape);
        }

        return layer;
    }

    private static float[] ConstantFloats(CanonicalGraph graph, LrpNode node, string name, string role)
    {
        if (!graph.Constants.Contains(name))
        {
            throw new LrpException(graph.Constants.WhyNotFolded(name) is { } why
                ? $"Node '{node.Name}' ({node.OpType}): its {role} '{name}' is computed from constants but could not be folded: {why}."
                : $"Node '{node.Name}' ({node.OpType}): its {role} '{name}' is not a constant (it depends on a graph input or on a non-deterministic op); only constant weights (initializers, Constant nodes, or values folded from them) are supported.");
        }

        return graph.Constants.GetFloat(name).Data;
    }

    private static DenseLayer BuildGemm(LrpNode node, CanonicalGraph graph)
    {
        var n = node.Source;
        if (!graph.IsRelevance(n.Inputs[0]) || graph.IsRelevance(n.Inputs[1]))
        {
            throw new LrpException($"Node '{node.Name}' (Gemm): relevance must flow through input A with a constant B; this Gemm has another layout, which is not supported.");
        }

        var b = ConstantFloats(graph, node, n.Inputs[1], "weight B");
        var bData = graph.Constants.Get(n.Inputs[1]);
        if (bData.Shape.Length != 2)
        {
            throw new LrpException($"Node '{node.Name}' (Gemm): its weight B '{n.Inputs[1]}' has shape [{string.Join(", ", bData.Shape)}]; Gemm needs a 2-D B.");
        }

        bool transB = n.GetInt("transB", 0) != 0;
        int rowsB = bData.Shape[0], colsB = bData.Shape[1];
        int m = transB ? rowsB : colsB;
        int k = transB ? colsB : rowsB;
        float alpha = n.GetFloat("alpha", 1f);
        var weight = new float[m * k];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < k; j++)
            {
                weight[(i * k) + j] = alpha * (transB ? b[(i * k) + j] : b[(j * m) + i]);
            }
        }

        var bias = new float[m];
        if (n.Inputs.Count > 2 && n.Inputs[2].Length > 0)
        {
            var c = ConstantFloats(graph, node, n.Inputs[2], "bias C");
            float beta = n.GetFloat("beta", 1f);
            if (c.Length == 1)
            {
                Array.Fill(bias, beta * c[0]);
            }
            else if (c.Length == m)
            {
                for (int i = 0; i < m; i++)
                {
                    bias[i] = beta * c[i];
                }
            }
            else
            {
                throw new LrpException($"Node '{node.Name}' (Gemm): bias C with {c.Length} elements differs per row; only a bias per output unit is supported.");
            }
        }

        return new DenseLayer(weight, bias, k, n.GetInt("transA", 0) != 0);
    }

    private static LinearLayer BuildMatMul(LrpNode node, CanonicalGraph graph)
    {
        var data = ConstantFloats(graph, node, node.Inputs[1], "constant operand B");
        var w = graph.Constants.Get(node.Inputs[1]);
        if (w.Shape.Length == 0)
        {
            throw new LrpException($"Node '{node.Name}' (MatMul): the constant operand '{node.Inputs[1]}' is a scalar; MatMul needs rank 1 or more.");
        }

        int k = w.Shape.Length >= 2 ? w.Shape[^2] : w.Shape[0];
        int m = w.Shape.Length >= 2 ? w.Shape[^1] : 1;
        if (w.SharedFloats is not null && w.Shape.Length <= 2 && node.FoldedBatchNorm is null)
        {
            // A weight held once (read from external data and shared with ONNX Runtime) is used as it is stored (and
            // never modified: a BatchNormalization to fold takes the copying path below).
            return new DenseLayer(data, new float[m], k, weightInputMajor: true);
        }

        int slices = data.Length / Math.Max(1, m * k);
        // Per slice [K, M] → [M, K] (the dense layers' layout).
        var weight = new float[data.Length];
        for (int sl = 0; sl < slices; sl++)
        {
            int offset = sl * m * k;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < k; j++)
                {
                    weight[offset + (i * k) + j] = data[offset + (j * m) + i];
                }
            }
        }

        return w.Shape.Length <= 2
            ? new DenseLayer(weight, new float[m], k)
            : new BatchedDenseLayer(weight, w.Shape[..^2], k, m);
    }

    private static ConvLayer BuildConv(LrpNode node, CanonicalGraph graph, ShapeTable shapes)
    {
        var n = node.Source;
        bool transposed = n.OpType == "ConvTranspose";
        if (!graph.IsRelevance(n.Inputs[0]))
        {
            throw new LrpException($"Node '{node.Name}' ({n.OpType}): relevance through the weight input is not supported.");
        }

        var weight = (float[])ConstantFloats(graph, node, n.Inputs[1], "weight").Clone();
        int[] wShape = graph.Constants.Get(n.Inputs[1]).Shape;
        long groupAttribute = n.GetInt("group", 1);
        if (wShape.Length < 3 || wShape.Any(d => d <= 0) || groupAttribute < 1 || groupAttribute > wShape[0])
        {
            throw new LrpException($"Node '{node.Name}' ({n.OpType}): its weight '{n.Inputs[1]}' has shape [{string.Join(", ", wShape)}] and group {groupAttribute}; a convolution needs a weight [out, in/group, kernel…] of rank 3 or more and 1 ≤ group ≤ out.");
        }

        int group = (int)groupAttribute;
        int outChannels = transposed ? wShape[1] * group : wShape[0];
        var bias = new float[outChannels];
        if (n.Inputs.Count > 2 && n.Inputs[2].Length > 0)
        {
            var biasValues = ConstantFloats(graph, node, n.Inputs[2], "bias");
            if (biasValues.Length != outChannels)
            {
                throw new LrpException($"Node '{node.Name}' ({n.OpType}): its bias '{n.Inputs[2]}' has {biasValues.Length} values for {outChannels} output channels.");
            }

            biasValues.CopyTo(bias, 0);
        }

        int rank = wShape.Length - 2;
        int[] kernel = wShape[2..];
        int[] strides = Ints(n.GetInts("strides"), rank, 1);
        int[] dilations = Ints(n.GetInts("dilations"), rank, 1);
        string autoPad = n.GetString("auto_pad", "NOTSET");
        var pads = n.GetInts("pads");
        string xName = n.Inputs[0];
        string yName = node.Outputs[0];

        ConvGeometry Geometry(int batch)
        {
            int[] xShape = shapes.Shape(xName, batch);
            int[] yShape = shapes.Shape(yName, batch);
            int[] inSpatial = transposed ? yShape[2..] : xShape[2..];
            int[] outSpatial = transposed ? xShape[2..] : yShape[2..];
            var padsBegin = WindowPadding.Begin(autoPad, pads, inSpatial, outSpatial, kernel, strides, dilations);

            int inChannels = transposed ? outChannels : xShape[1];
            int convOut = transposed ? xShape[1] : outChannels;
            return new ConvGeometry(xShape[0], inChannels, convOut, group, inSpatial, kernel, outSpatial, strides, padsBegin, dilations);
        }

        return new ConvLayer(weight, bias, transposed, Geometry);
    }

    private static int[] Ints(long[]? values, int rank, int fallback)
        => values is null || values.Length == 0 ? Enumerable.Repeat(fallback, rank).ToArray() : values.Select(v => (int)v).ToArray();

    private static void FoldBatchNorm(LinearLayer layer, OnnxNode bn, CanonicalGraph graph, int group, int[] weightShape)
    {
        float[] gamma = graph.Constants.GetFloat(bn.Inputs[1]).Data;
        float[] beta = graph.Constants.GetFloat(bn.Inputs[2]).Data;
        float[] mean = graph.Constants.GetFloat(bn.Inputs[3]).Data;
        float[] variance = graph.Constants.GetFloat(bn.Inputs[4]).Data;
        float eps = bn.GetFloat("epsilon", 1e-5f);
        int channels = layer.OutChannels;
        if (gamma.Length != channels || beta.Length != channels || mean.Length != channels || variance.Length != channels)
        {
            throw new LrpException(
                $"BatchNormalization '{bn.Name}' has {gamma.Length} scales, {beta.Length} biases, {mean.Length} means and {variance.Length} variances, but the layer it follows has {channels} output channels; the model is invalid.");
        }

        var scale = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            scale[c] = gamma[c] / Math.Sqrt(variance[c] + eps);
            layer.Bias[c] = (float)(((layer.Bias[c] - mean[c]) * scale[c]) + beta[c]);
        }

        var w = layer.Weight;
        if (layer is ConvLayer { Transposed: true })
        {
            // ConvTranspose weight [C_in, M/group, *k]: output channel = (input-channel group) · (M/group) + j.
            int perGroupOut = channels / group;
            int inChannels = weightShape[0];
            int kernelVolume = w.Length / (inChannels * perGroupOut);
            int inPerGroup = inChannels / group;
            for (int ci = 0; ci < inChannels; ci++)
            {
                for (int j = 0; j < perGroupOut; j++)
                {
                    int m = ((ci / inPerGroup) * perGroupOut) + j;
                    var span = w.AsSpan(((ci * perGroupOut) + j) * kernelVolume, kernelVolume);
                    for (int t = 0; t < span.Length; t++)
                    {
                        span[t] = (float)(span[t] * scale[m]);
                    }
                }
            }

            return;
        }

        int perChannel = w.Length / channels;
        for (int c = 0; c < channels; c++)
        {
            var span = w.AsSpan(c * perChannel, perChannel);
            for (int t = 0; t < span.Length; t++)
            {
                span[t] = (float)(span[t] * scale[c]);
            }
        }
    }
}
