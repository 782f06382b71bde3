using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.GpuCheck;

/// <summary>
/// The encoder of all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads, MLP 1536, GELU-Erf, post-LayerNorm) with mean
/// pooling, as an ONNX model (opset 17) with seeded weights and the token embeddings as a float input
/// [N, sequence, 384]: the same products, attention and normalisation shapes as the real model, whose 90 MB file
/// does not fit the GPU bundle. The embedding lookup (a Gather) is left out: it carries no relevance work.
/// </summary>
internal static class MiniLmArchitecture
{
    public const string InputName = "embeddings";
    public const string OutputName = "sentence_embedding";
    public const int Hidden = 384;
    private const int Heads = 12, Intermediate = 1536;

    public static byte[] Build(int sequence, int layers, int seed)
    {
        var g = new GraphBuilder(new Random(seed));
        int dh = Hidden / Heads;
        g.Constant("split", [0, sequence, Heads, dh]);
        g.Constant("merge", [0, sequence, Hidden]);
        g.Scalar("scale", MathF.Sqrt(dh));
        g.Scalar("half", 0.5f);
        g.Scalar("one", 1f);
        g.Scalar("sqrt2", MathF.Sqrt(2f));
        string x = InputName;
        for (int l = 0; l < layers; l++)
        {
            string p = $"l{l}_";
            string q = g.Linear(x, Hidden, Hidden, p + "q"), k = g.Linear(x, Hidden, Hidden, p + "k"), v = g.Linear(x, Hidden, Hidden, p + "v");
            string qh = g.Node("Transpose", [g.Node("Reshape", [q, "split"])], ("perm", [0, 2, 1, 3]));
            string kh = g.Node("Transpose", [g.Node("Reshape", [k, "split"])], ("perm", [0, 2, 3, 1]));
            string vh = g.Node("Transpose", [g.Node("Reshape", [v, "split"])], ("perm", [0, 2, 1, 3]));
            string scores = g.Node("Div", [g.Node("MatMul", [qh, kh]), "scale"]);
            string attention = g.Node("Softmax", [scores], ("axis", [-1]));
            string context = g.Node("Reshape", [g.Node("Transpose", [g.Node("MatMul", [attention, vh])], ("perm", [0, 2, 1, 3])), "merge"]);
            string h = g.LayerNorm(g.Node("Add", [g.Linear(context, Hidden, Hidden, p + "o"), x]), p + "ln1");
            string up = g.Linear(h, Hidden, Intermediate, p + "up");
            string gelu = g.Node("Mul", [g.Node("Mul", [up, "half"]), g.Node("Add", [g.Node("Erf", [g.Node("Div", [up, "sqrt2"])]), "one"])]);
            x = g.LayerNorm(g.Node("Add", [g.Linear(gelu, Intermediate, Hidden, p + "down"), h]), p + "ln2");
        }

        var pooled = new NodeProto { Name = "mean_pool", OpType = "ReduceMean", Input = { x }, Output = { OutputName } };
        pooled.Attribute.Add(Ints("axes", [1]));
        pooled.Attribute.Add(new AttributeProto { Name = "keepdims", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        g.Graph.Node.Add(pooled);
        g.Graph.Input.Add(Value(InputName, sequence, Hidden));
        g.Graph.Output.Add(Value(OutputName, Hidden));
        var model = new ModelProto { IrVersion = 8, ProducerName = "Microsoft.ML.Lrp.GpuCheck", Graph = g.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
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

    private static AttributeProto Ints(string name, long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private sealed class GraphBuilder(Random random)
    {
        private int _next;

        public GraphProto Graph { get; } = new() { Name = "minilm_architecture" };

        public void Constant(string name, long[] values)
        {
            var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
            tensor.Dims.Add(values.Length);
            tensor.Int64Data.AddRange(values);
            Graph.Initializer.Add(tensor);
        }

        public void Scalar(string name, float value) => Graph.Initializer.Add(Floats(name, [], [value]));

        /// <summary><c>x·W + b</c> with W [din, dout] uniform in ±√(3/din) (unit-variance outputs).</summary>
        public string Linear(string x, int din, int dout, string name)
        {
            Graph.Initializer.Add(Floats(name + "_w", [din, dout], Uniform(din * dout, Math.Sqrt(3.0 / din))));
            Graph.Initializer.Add(Floats(name + "_b", [dout], Uniform(dout, 0.02)));
            return Node("Add", [Node("MatMul", [x, name + "_w"]), name + "_b"]);
        }

        public string LayerNorm(string x, string name)
        {
            Graph.Initializer.Add(Floats(name + "_g", [Hidden], Uniform(Hidden, 0.1).Select(v => v + 1f).ToArray()));
            Graph.Initializer.Add(Floats(name + "_b", [Hidden], Uniform(Hidden, 0.02)));
            var node = new NodeProto { Name = name, OpType = "LayerNormalization", Input = { x, name + "_g", name + "_b" }, Output = { name } };
            node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = -1 });
            node.Attribute.Add(new AttributeProto { Name = "epsilon", Type = AttributeProto.Types.AttributeType.Float, F = 1e-12f });
            Graph.Node.Add(node);
            return name;
        }

        public string Node(string op, string[] inputs, params (string Name, long[] Values)[] attributes)
        {
            string name = $"{op.ToLowerInvariant()}{_next++}";
            var node = new NodeProto { Name = name, OpType = op, Output = { name } };
            node.Input.AddRange(inputs);
            foreach (var (attribute, values) in attributes)
            {
                node.Attribute.Add(op == "Softmax"
                    ? new AttributeProto { Name = attribute, Type = AttributeProto.Types.AttributeType.Int, I = values[0] }
                    : Ints(attribute, values));
            }

            Graph.Node.Add(node);
            return name;
        }

        private float[] Uniform(int count, double bound)
        {
            var values = new float[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = (float)(bound * ((2 * random.NextDouble()) - 1));
            }

            return values;
        }

        private static TensorProto Floats(string name, long[] dims, float[] values)
        {
            var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
            tensor.Dims.AddRange(dims);
            return tensor;
        }
    }
}
