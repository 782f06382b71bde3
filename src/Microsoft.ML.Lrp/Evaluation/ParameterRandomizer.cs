using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Evaluation;

/// <summary>
/// The model-parameter randomisation of Adebayo et al. (2018), cascading from the top: finds the linear layers
/// (Conv, ConvTranspose, Gemm, MatMul with a constant float weight) of the main graph, last in topological order
/// first, and writes copies of the model whose first k layers' weights are replaced by seeded Gaussian values with the
/// mean 0 and the standard deviation of the weights they replace. Biases are kept.
/// </summary>
internal static class ParameterRandomizer
{
    private static readonly HashSet<string> LinearOps = new(StringComparer.Ordinal) { "Conv", "ConvTranspose", "Gemm", "MatMul" };

    /// <summary>The model as self-contained bytes (external data inlined).</summary>
    public static byte[] ModelBytes(LrpOptions options)
        => options.ModelBytes ?? OnnxModel.Load(options.ModelFile!).ToBytes(new OnnxWriteOptions { InlineExternalData = true });

    /// <summary>The linear layers from the output back to the input; a weight shared by several nodes counts once (at its topmost node).</summary>
    public static IReadOnlyList<RandomizedLayer> LinearLayers(OnnxGraph graph)
    {
        var layers = new List<RandomizedLayer>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (node.Domain is not ("" or "ai.onnx") || !LinearOps.Contains(node.OpType))
            {
                continue;
            }

            int[] candidates = node.OpType is "Gemm" or "MatMul" ? [1, 0] : [1];
            foreach (int slot in candidates)
            {
                if (slot < node.Inputs.Count && graph.Initializers.TryGetValue(node.Inputs[slot], out var weight) && weight.ElementType == OnnxElementType.Float)
                {
                    if (seen.Add(weight.Name))
                    {
                        layers.Add(new RandomizedLayer(node.Name, node.OpType, weight.Name));
                    }

                    break;
                }
            }
        }

        return layers;
    }

    /// <summary>
    /// A copy of <paramref name="modelBytes"/> with the weights of <paramref name="layers"/> randomised; layer k of
    /// the list draws from <c>seed + k</c>, so a layer gets the same values at every step of the cascade.
    /// </summary>
    public static byte[] Randomize(byte[] modelBytes, OnnxGraph graph, IReadOnlyList<RandomizedLayer> layers, int seed)
    {
        var proto = ModelProto.Parser.ParseFrom(modelBytes);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < layers.Count; k++)
        {
            index[layers[k].Initializer] = k;
        }

        foreach (TensorProto tensor in proto.Graph.Initializer)
        {
            if (!index.TryGetValue(tensor.Name, out int k))
            {
                continue;
            }

            float[] original = graph.Initializers[tensor.Name].ToFloats();
            float[] values = Gaussian(original.Length, StandardDeviation(original), seed + k);
            var raw = new byte[values.Length * sizeof(float)];
            for (int i = 0; i < values.Length; i++)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
            }

            tensor.FloatData.Clear();
            tensor.ExternalData.Clear();
            tensor.ClearDataLocation();
            tensor.DataType = (int)TensorProto.Types.DataType.Float;
            tensor.RawData = ByteString.CopyFrom(raw);
        }

        return proto.ToByteArray();
    }

    internal static double StandardDeviation(float[] values)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        double mean = values.Average(v => (double)v);
        return Math.Sqrt(values.Sum(v => ((double)v - mean) * ((double)v - mean)) / values.Length);
    }

    /// <summary>Normal values N(0, σ²) by the Box–Muller transform of a seeded <see cref="Random"/>.</summary>
    private static float[] Gaussian(int count, double sigma, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i += 2)
        {
            double u1 = 1.0 - random.NextDouble();
            double u2 = random.NextDouble();
            double radius = sigma * Math.Sqrt(-2.0 * Math.Log(u1));
            values[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < count)
            {
                values[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
            }
        }

        return values;
    }
}
