using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Reference.ReferenceGraph;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>The reference's naive forward pass in double: every value of the graph, and which values are activations.</summary>
internal sealed class ReferenceForward
{
    private readonly ReferenceGraph graph;

    /// <summary>Runs the graph on one input.</summary>
    public ReferenceForward(ReferenceGraph graph, string inputName, ReferenceTensor input)
    {
        this.graph = graph;
        foreach (var (name, tensor) in graph.Initializers)
        {
            Values[name] = tensor;
        }

        Values[inputName] = input;
        Activations.Add(inputName);
        foreach (var node in graph.Nodes)
        {
            var outputs = Evaluate(node);
            bool carries = node.OpType is not ("Shape" or "Constant") && node.Input.Any(i => Activations.Contains(i));
            for (int k = 0; k < outputs.Length; k++)
            {
                Values[node.Output[k]] = outputs[k];
                if (carries && !outputs[k].IsInteger)
                {
                    Activations.Add(node.Output[k]);
                }
            }
        }
    }

    /// <summary>Every value by name (initializers included).</summary>
    public Dictionary<string, ReferenceTensor> Values { get; } = [];

    /// <summary>Float values that depend on the explained input.</summary>
    public HashSet<string> Activations { get; } = [];

    private ReferenceTensor? Value(string name) => name.Length == 0 ? null : Values[name];

    private ReferenceTensor[] Evaluate(NodeProto node)
    {
        var inputs = node.Input.Select(Value).ToList();
        var x = inputs.Count > 0 ? inputs[0] : null;
        if (ReferenceTransformerForward.TryEvaluate(node, inputs, Activations) is { } transformer)
        {
            return [transformer];
        }

        if (ReferenceNodeMaps.LinearOpTypes.Contains(node.OpType))
        {
            var (map, inputName) = ReferenceNodeMaps.Build(node, Value, Activations.Contains);
            var input = Values[inputName];
            return [new ReferenceTensor(map.OutputShape, map.Apply(w => w, input.Data, map.Bias))];
        }

        if (RoutingMapBuilder.OpTypes.Contains(node.OpType))
        {
            return node.Output.Select((_, k) => RoutingMapBuilder.Build(node, inputs, graph.Opset, k).Forward(inputs)).ToArray();
        }

        switch (node.OpType)
        {
            case "Add":
            case "Sub":
            case "Mul":
            case "Div":
            case "Sum":
                return [Elementwise(node.OpType, inputs.Select(t => t!).ToList())];
            case "Relu": return [Map(x!, v => Math.Max(v, 0))];
            case "LeakyRelu": return [Map(x!, v => v >= 0 ? v : Float(node, "alpha", 0.01) * v)];
            case "Elu": return [Map(x!, v => v >= 0 ? v : Float(node, "alpha", 1.0) * (Math.Exp(v) - 1))];
            case "Selu":
                return [Map(x!, v => Float(node, "gamma", 1.05070102214813232421875) * (v > 0 ? v : Float(node, "alpha", 1.67326319217681884765625) * (Math.Exp(v) - 1)))];
            case "Sigmoid": return [Map(x!, v => 1 / (1 + Math.Exp(-v)))];
            case "Tanh": return [Map(x!, Math.Tanh)];
            case "Softplus": return [Map(x!, v => Math.Log(1 + Math.Exp(v)))];
            case "HardSigmoid": return [Map(x!, v => Math.Clamp((Float(node, "alpha", 0.2) * v) + Float(node, "beta", 0.5), 0, 1))];
            case "Clip":
            {
                double low = graph.Opset >= 11 ? (inputs.Count > 1 && inputs[1] is { } l ? l.Data[0] : double.NegativeInfinity) : Float(node, "min", float.MinValue);
                double high = graph.Opset >= 11 ? (inputs.Count > 2 && inputs[2] is { } h ? h.Data[0] : double.PositiveInfinity) : Float(node, "max", float.MaxValue);
                return [Map(x!, v => Math.Min(Math.Max(v, low), high))];
            }

            case "Identity":
            case "Dropout":
                if (node.Output.Count > 1 && node.Output[1].Length > 0)
                {
                    throw new NotSupportedException($"The reference does not produce the mask of {Describe(node)}.");
                }

                return [x!];
            case "Cast":
                return Int(node, "to", 1) switch
                {
                    1 or 11 => [new ReferenceTensor(x!.Shape, (double[])x.Data.Clone())],
                    7 => [new ReferenceTensor(x!.Shape, x.AsLongs())],
                    _ => throw new NotSupportedException($"The reference casts only to float and int64 ({Describe(node)})."),
                };
            case "Softmax":
                return [Softmax(node, x!)];
            case "BatchNormalization":
                return [BatchNormalization(node, inputs)];
            case "Constant":
                return [ReadTensor(Attribute(node, "value")!.T)];
            case "Shape":
                return [new ReferenceTensor([x!.Shape.Length], x.Shape.Select(d => (long)d).ToArray())];
            default:
                throw new NotSupportedException($"The reference has no forward pass for {Describe(node)}.");
        }
    }

    private static ReferenceTensor Map(ReferenceTensor x, Func<double, double> f) => new(x.Shape, x.Data.Select(f).ToArray());

    private static ReferenceTensor Elementwise(string op, List<ReferenceTensor> operands)
    {
        var shape = operands.Select(t => t.Shape).Aggregate(ReferenceTensor.BroadcastShape);
        var maps = operands.Select(t => ReferenceTensor.BroadcastMap(t.Shape, shape)).ToList();
        var data = new double[ReferenceTensor.SizeOf(shape)];
        for (int o = 0; o < data.Length; o++)
        {
            double acc = operands[0].Data[maps[0][o]];
            for (int k = 1; k < operands.Count; k++)
            {
                double v = operands[k].Data[maps[k][o]];
                acc = op switch { "Sub" => acc - v, "Mul" => acc * v, "Div" => acc / v, _ => acc + v };
            }

            data[o] = acc;
        }

        return new ReferenceTensor(shape, data);
    }

    private ReferenceTensor Softmax(NodeProto node, ReferenceTensor x)
    {
        int rank = x.Shape.Length;
        int axis = RoutingMapBuilder.Axis(Int(node, "axis", graph.Opset >= 13 ? -1 : 1), rank);
        int inner = graph.Opset >= 13 ? ReferenceTensor.SizeOf(x.Shape.Skip(axis + 1).ToArray()) : 1;
        int length = graph.Opset >= 13 ? x.Shape[axis] : ReferenceTensor.SizeOf(x.Shape.Skip(axis).ToArray());
        int outer = x.Size / (inner * length);
        var data = new double[x.Size];
        for (int a = 0; a < outer; a++)
        {
            for (int c = 0; c < inner; c++)
            {
                double max = double.NegativeInfinity;
                for (int k = 0; k < length; k++)
                {
                    max = Math.Max(max, x.Data[(((a * length) + k) * inner) + c]);
                }

                double sum = 0;
                for (int k = 0; k < length; k++)
                {
                    sum += Math.Exp(x.Data[(((a * length) + k) * inner) + c] - max);
                }

                for (int k = 0; k < length; k++)
                {
                    int i = (((a * length) + k) * inner) + c;
                    data[i] = Math.Exp(x.Data[i] - max) / sum;
                }
            }
        }

        return new ReferenceTensor(x.Shape, data);
    }

    private static ReferenceTensor BatchNormalization(NodeProto node, List<ReferenceTensor?> inputs)
    {
        var x = inputs[0]!;
        double epsilon = Float(node, "epsilon", 1e-5);
        int channels = x.Shape[1];
        int inner = x.Size / (x.Shape[0] * channels);
        var data = new double[x.Size];
        for (int i = 0; i < data.Length; i++)
        {
            int c = (i / inner) % channels;
            double scale = inputs[1]!.Data[c] / Math.Sqrt(inputs[4]!.Data[c] + epsilon);
            data[i] = ((x.Data[i] - inputs[3]!.Data[c]) * scale) + inputs[2]!.Data[c];
        }

        return new ReferenceTensor(x.Shape, data);
    }
}
