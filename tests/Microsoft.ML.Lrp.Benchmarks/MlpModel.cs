using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// Builds a multi-layer perceptron as an ONNX model with the project's proto classes: Gemm (transB = 1) + Relu per
/// hidden layer, a final Gemm, He-initialised random weights from a fixed seed, a symbolic batch dimension.
/// </summary>
internal static class MlpModel
{
    public const string InputName = "input";
    public const string OutputName = "logits";

    public static byte[] Build(IReadOnlyList<int> layerSizes, int seed)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "mlp" };
        graph.Input.Add(BatchedValue(InputName, layerSizes[0]));
        string activation = InputName;
        for (int layer = 0; layer + 1 < layerSizes.Count; layer++)
        {
            int inputs = layerSizes[layer], outputs = layerSizes[layer + 1];
            bool last = layer + 2 == layerSizes.Count;
            double heScale = Math.Sqrt(2.0 / inputs);
            graph.Initializer.Add(FloatTensor($"W{layer}", [outputs, inputs], random, heScale));
            graph.Initializer.Add(FloatTensor($"b{layer}", [outputs], random, 0.05));

            string linear = last ? OutputName : $"z{layer}";
            var gemm = new NodeProto { Name = $"gemm{layer}", OpType = "Gemm", Input = { activation, $"W{layer}", $"b{layer}" }, Output = { linear } };
            gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            graph.Node.Add(gemm);
            if (!last)
            {
                activation = $"a{layer}";
                graph.Node.Add(new NodeProto { Name = $"relu{layer}", OpType = "Relu", Input = { linear }, Output = { activation } });
            }
        }

        graph.Output.Add(BatchedValue(OutputName, layerSizes[^1]));
        var model = new ModelProto { IrVersion = 8, ProducerName = "Microsoft.ML.Lrp.Benchmarks", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    private static ValueInfoProto BatchedValue(string name, int features)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = features });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto FloatTensor(string name, long[] dims, Random random, double scale)
    {
        long count = dims.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            values[i] = (float)(scale * ((2 * random.NextDouble()) - 1) * Math.Sqrt(3)); // uniform with standard deviation `scale`
        }

        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
