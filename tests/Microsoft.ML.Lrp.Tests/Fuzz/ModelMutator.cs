using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Tests.Fuzz;

/// <summary>
/// Seeded mutations of a valid ONNX model, structural (dims, attributes, wiring, op types, element types, weight
/// values, opsets) and byte-level (flips, truncation, splices): the hostile models of the fuzz test and benchmark.
/// </summary>
internal sealed class ModelMutator(int seed)
{
    private static readonly long[] InterestingInts = [0, 1, -1, 2, 3, 7, -7, 1L << 31, (1L << 31) - 1, 1L << 40, long.MaxValue, long.MinValue, 1_000_000_000_000];

    private static readonly float[] InterestingFloats = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue, 0f, 1e-45f, 1e30f];

    private static readonly string[] OpTypes = ["Relu", "Gemm", "Conv", "MatMul", "Add", "Mul", "Div", "Concat", "Slice", "Reshape", "Transpose", "MaxPool", "BatchNormalization", "Softmax", "Flatten", "Identity", "Gather", "Unknown", "LSTM", "Pad", "Expand", "Split", "Where", "Cast", "Sigmoid", "Einsum"];

    private readonly Random random = new(seed);

    /// <summary>A mutated copy of <paramref name="model"/> and a one-line description of what was done.</summary>
    public (byte[] Model, string Mutation) Mutate(byte[] model)
    {
        if (random.Next(5) == 0)
        {
            return MutateBytes(model);
        }

        var proto = ModelProto.Parser.ParseFrom(model);
        int count = 1 + random.Next(3);
        var done = new List<string>();
        for (int i = 0; i < count; i++)
        {
            done.Add(MutateStructure(proto));
        }

        return (proto.ToByteArray(), string.Join("; ", done));
    }

    private (byte[] Model, string Mutation) MutateBytes(byte[] model)
    {
        var bytes = (byte[])model.Clone();
        switch (random.Next(3))
        {
            case 0:
                int flips = 1 + random.Next(8);
                for (int i = 0; i < flips; i++)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return (bytes, $"flipped {flips} bits");
            case 1:
                int length = random.Next(bytes.Length);
                return (bytes[..length], $"truncated to {length} bytes");
            default:
                int from = random.Next(bytes.Length), to = random.Next(bytes.Length), span = random.Next(1, 64);
                for (int i = 0; i < span && from + i < bytes.Length && to + i < bytes.Length; i++)
                {
                    bytes[to + i] = model[from + i];
                }

                return (bytes, $"spliced {span} bytes from {from} to {to}");
        }
    }

    private string MutateStructure(ModelProto proto)
    {
        var graph = proto.Graph;
        var node = graph.Node.Count > 0 ? graph.Node[random.Next(graph.Node.Count)] : null;
        var initializer = graph.Initializer.Count > 0 ? graph.Initializer[random.Next(graph.Initializer.Count)] : null;
        switch (random.Next(13))
        {
            case 0 when initializer is not null && initializer.Dims.Count > 0:
            {
                int d = random.Next(initializer.Dims.Count);
                initializer.Dims[d] = Pick(InterestingInts);
                return $"initializer {initializer.Name} dim {d} = {initializer.Dims[d]}";
            }

            case 1 when node is not null && node.Attribute.Count > 0:
            {
                var attribute = node.Attribute[random.Next(node.Attribute.Count)];
                if (attribute.Ints.Count > 0)
                {
                    int k = random.Next(attribute.Ints.Count);
                    attribute.Ints[k] = Pick(InterestingInts);
                    return $"node {node.Name} attribute {attribute.Name}[{k}] = {attribute.Ints[k]}";
                }

                attribute.I = Pick(InterestingInts);
                return $"node {node.Name} attribute {attribute.Name} = {attribute.I}";
            }

            case 2 when node is not null && node.Input.Count > 0:
            {
                int k = random.Next(node.Input.Count);
                var names = graph.Node.SelectMany(n => n.Output).Concat(graph.Initializer.Select(t => t.Name)).Concat(graph.Input.Select(v => v.Name)).Append("nowhere").Append("").ToList();
                node.Input[k] = Pick(names.ToArray());
                return $"node {node.Name} input {k} = '{node.Input[k]}'";
            }

            case 3 when node is not null:
                node.OpType = Pick(OpTypes);
                return $"node {node.Name} op type = {node.OpType}";
            case 4 when node is not null:
                graph.Node.Remove(node);
                return $"removed node {node.Name}";
            case 5 when initializer is not null:
                initializer.DataType = random.Next(18);
                return $"initializer {initializer.Name} data type = {initializer.DataType}";
            case 6 when initializer is not null && initializer.FloatData.Count > 0:
            {
                int k = random.Next(initializer.FloatData.Count);
                initializer.FloatData[k] = Pick(InterestingFloats);
                return $"initializer {initializer.Name}[{k}] = {initializer.FloatData[k]}";
            }

            case 6 when initializer is not null && initializer.RawData.Length > 0:
            {
                var raw = initializer.RawData.ToByteArray();
                int k = random.Next(raw.Length / 4);
                BitConverter.GetBytes(Pick(InterestingFloats)).CopyTo(raw, k * 4);
                initializer.RawData = ByteString.CopyFrom(raw);
                return $"initializer {initializer.Name} raw element {k} changed";
            }

            case 7 when initializer is not null:
                if (initializer.FloatData.Count > 1)
                {
                    initializer.FloatData.RemoveAt(initializer.FloatData.Count - 1);
                }
                else if (initializer.Int64Data.Count > 0)
                {
                    initializer.Int64Data.Add(Pick(InterestingInts));
                }

                return $"initializer {initializer.Name} data length changed";
            case 8:
                proto.OpsetImport[0].Version = Pick(InterestingInts.Append(6).Append(25).Append(12).ToArray());
                return $"opset = {proto.OpsetImport[0].Version}";
            case 9 when graph.Input.Count > 0:
            {
                var shape = graph.Input[0].Type.TensorType.Shape;
                if (shape.Dim.Count > 1)
                {
                    int d = 1 + random.Next(shape.Dim.Count - 1);
                    shape.Dim[d].DimValue = Pick(InterestingInts);
                    return $"input dim {d} = {shape.Dim[d].DimValue}";
                }

                return "input unchanged";
            }

            case 10 when node is not null:
                graph.Node.Add(node.Clone());
                return $"duplicated node {node.Name}";
            case 11 when initializer is not null:
                graph.Initializer.Add(initializer.Clone());
                return $"duplicated initializer {initializer.Name}";
            case 12 when graph.Output.Count > 0:
                graph.Output[0].Name = Pick(graph.Node.SelectMany(n => n.Output).Append("nowhere").ToArray());
                return $"graph output = {graph.Output[0].Name}";
            default:
                return "no-op";
        }
    }

    private T Pick<T>(T[] values) => values[random.Next(values.Length)];
}
