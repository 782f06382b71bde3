using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// Builds the ResNet18 architecture (7×7 stem, max pool, four stages of two basic blocks with 1×1 projections,
/// global average pool, 1000-way Gemm) as an ONNX model with He-initialised seeded weights and a symbolic batch.
/// BatchNormalization is left out: the engine folds it into the convolutions anyway, so the relevance pass runs the
/// same kernels on the same shapes as on the real model. Used where the real model file is not shipped (the GPU bundle).
/// </summary>
internal static class ResNet18Model
{
    public const string InputName = "input";
    public const string OutputName = "logits";

    public static byte[] Build(int seed)
    {
        var b = new Builder(new Random(seed));
        string x = b.Conv(InputName, 3, 64, 7, 2, 3);
        x = b.Relu(x);
        x = b.Node("MaxPool", [x], ("kernel_shape", [3, 3]), ("strides", [2, 2]), ("pads", [1, 1, 1, 1]));
        int channels = 64;
        foreach (int width in new[] { 64, 128, 256, 512 })
        {
            for (int block = 0; block < 2; block++)
            {
                int stride = block == 0 && width != 64 ? 2 : 1;
                string y = b.Relu(b.Conv(x, channels, width, 3, stride, 1));
                y = b.Conv(y, width, width, 3, 1, 1);
                string shortcut = stride == 1 && channels == width ? x : b.Conv(x, channels, width, 1, stride, 0);
                x = b.Relu(b.Node("Add", [y, shortcut]));
                channels = width;
            }
        }

        x = b.Node("GlobalAveragePool", [x]);
        x = b.Node("Flatten", [x], ("axis", [1]));
        b.Graph.Initializer.Add(Tensor("fc_w", [1000, 512], b.Random, Math.Sqrt(1.0 / 512)));
        b.Graph.Initializer.Add(Tensor("fc_b", [1000], b.Random, 0.01));
        var fc = new NodeProto { Name = "fc", OpType = "Gemm", Input = { x, "fc_w", "fc_b" }, Output = { OutputName } };
        fc.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        b.Graph.Node.Add(fc);
        b.Graph.Input.Add(Value(InputName, 3, 224, 224));
        b.Graph.Output.Add(Value(OutputName, 1000));
        var model = new ModelProto { IrVersion = 8, ProducerName = "Microsoft.ML.Lrp.Benchmarks", Graph = b.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    private static ValueInfoProto Value(string name, params int[] rowShape)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (int d in rowShape)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto Tensor(string name, long[] dims, Random random, double scale)
    {
        long count = dims.Aggregate(1L, (a, c) => a * c);
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            values[i] = (float)(scale * ((2 * random.NextDouble()) - 1) * Math.Sqrt(3));
        }

        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private sealed class Builder(Random random)
    {
        private int _next;

        public GraphProto Graph { get; } = new() { Name = "resnet18" };

        public Random Random => random;

        public string Conv(string input, int inChannels, int outChannels, int kernel, int stride, int pad)
        {
            string name = $"conv{_next++}";
            Graph.Initializer.Add(Tensor($"{name}_w", [outChannels, inChannels, kernel, kernel], random, Math.Sqrt(2.0 / (inChannels * kernel * kernel))));
            Graph.Initializer.Add(Tensor($"{name}_b", [outChannels], random, 0.01));
            var node = new NodeProto { Name = name, OpType = "Conv", Input = { input, $"{name}_w", $"{name}_b" }, Output = { name } };
            Ints(node, "kernel_shape", kernel, kernel);
            Ints(node, "strides", stride, stride);
            Ints(node, "pads", pad, pad, pad, pad);
            Graph.Node.Add(node);
            return name;
        }

        public string Relu(string input) => Node("Relu", [input]);

        public string Node(string op, string[] inputs, params (string Name, long[] Values)[] attributes)
        {
            string name = $"{op.ToLowerInvariant()}{_next++}";
            var node = new NodeProto { Name = name, OpType = op, Output = { name } };
            node.Input.AddRange(inputs);
            foreach (var (attribute, values) in attributes)
            {
                if (op == "Flatten")
                {
                    node.Attribute.Add(new AttributeProto { Name = attribute, Type = AttributeProto.Types.AttributeType.Int, I = values[0] });
                }
                else
                {
                    Ints(node, attribute, values);
                }
            }

            Graph.Node.Add(node);
            return name;
        }

        private static void Ints(NodeProto node, string name, params long[] values)
        {
            var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            attribute.Ints.AddRange(values);
            node.Attribute.Add(attribute);
        }
    }
}
