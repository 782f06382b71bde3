using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>
/// The dims of a value that are known before anything runs: from initializers, Constant nodes, declared shapes, the
/// per-row shapes the caller gives for the model's inputs (a symbolic input dim takes the caller's value, and so does
/// every other dim with the same symbolic name), and a forward walk through the ops whose output shape follows from
/// their input shapes (element-wise ops with broadcasting, Transpose, Gather, MatMul, Gemm, Reshape, Shape, Squeeze,
/// Unsqueeze, Slice, Concat, Flatten and the recurrent ops themselves). A dim that stays unknown is null; a Reshape to
/// a computed shape (<c>Concat</c> of <c>Unsqueeze</c>d dims read from <c>Shape</c>) has a known rank.
/// </summary>
/// <remarks>The recurrent decomposition reads the sequence length here: unrolling needs it when the plan is built.</remarks>
internal sealed partial class StaticShapes
{
    private static readonly HashSet<string> SameShapeOps = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Gelu", "Softplus",
        "Softsign", "ThresholdedRelu", "Neg", "Abs", "Exp", "Log", "Sqrt", "Erf", "Reciprocal", "Clip", "Identity", "Dropout",
        "Cast", "BatchNormalization", "InstanceNormalization", "LayerNormalization", "Softmax", "LogSoftmax", "Sin", "Cos",
    };

    private static readonly HashSet<string> BroadcastOps = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Where", "Max", "Min", "Sum", "Mean", "Equal", "Less", "Greater", "And", "Or",
    };

    private readonly OnnxGraph _graph;
    private readonly Dictionary<string, long?[]?> _memo = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _symbols = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long?[]> _inputs = new(StringComparer.Ordinal);

    /// <param name="graph">The graph.</param>
    /// <param name="inputRowShapes">Per-row shapes (every dim but the leading batch dim) of model inputs, by input name; may be null.</param>
    public StaticShapes(OnnxGraph graph, IReadOnlyDictionary<string, int[]>? inputRowShapes)
    {
        _graph = graph;
        foreach (OnnxValueInfo input in graph.Inputs)
        {
            if (input.Shape is null)
            {
                continue;
            }

            var dims = input.Shape.Select(d => d.Value).ToArray();
            if (inputRowShapes is not null && inputRowShapes.TryGetValue(input.Name, out int[]? row) && row.Length == dims.Length - 1)
            {
                for (int a = 1; a < dims.Length; a++)
                {
                    dims[a] = row[a - 1];
                    if (input.Shape[a].Param is { Length: > 0 } symbol)
                    {
                        _symbols[symbol] = row[a - 1];
                    }
                }
            }

            _inputs[input.Name] = dims;
        }
    }

    /// <summary>The dims of <paramref name="value"/> (null entries unknown), or null when even the rank is unknown.</summary>
    public long?[]? Of(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        if (_memo.TryGetValue(value, out long?[]? known))
        {
            return known;
        }

        _memo[value] = null; // cycles (malformed graphs) end as unknown
        long?[]? result = Compute(value);
        _memo[value] = result;
        return result;
    }

    private long?[]? Compute(string value)
    {
        if (_graph.Initializers.TryGetValue(value, out OnnxTensorData? init))
        {
            return [.. init.Dims.Select(d => (long?)d)];
        }

        if (_inputs.TryGetValue(value, out long?[]? input))
        {
            return Resolve(input, _graph.Inputs.First(i => i.Name == value).Shape!);
        }

        long?[]? declared = _graph.ValueInfos.TryGetValue(value, out OnnxValueInfo? info) && info.Shape is { } shape ? Resolve(shape.Select(d => d.Value).ToArray(), shape) : null;
        OnnxNode? producer = _graph.Producer(value);
        long?[]? inferred = producer is null ? null : Infer(producer, producer.Outputs.ToList().IndexOf(value));
        return Merge(declared, inferred);
    }

    private long?[] Resolve(long?[] dims, IReadOnlyList<OnnxDim> declared)
    {
        var result = (long?[])dims.Clone();
        for (int a = 0; a < result.Length; a++)
        {
            if (result[a] is null && declared[a].Param is { Length: > 0 } symbol && _symbols.TryGetValue(symbol, out long v))
            {
                result[a] = v;
            }
        }

        return result;
    }

    private static long?[]? Merge(long?[]? a, long?[]? b)
    {
        if (a is null || b is null || a.Length != b.Length)
        {
            return a ?? b;
        }

        return [.. a.Select((d, i) => d ?? b[i])];
    }

    private long?[]? Infer(OnnxNode node, int output)
    {
        if (node.Domain.Length != 0)
        {
            return null;
        }

        long?[]? x = node.Inputs.Count > 0 ? Of(node.Inputs[0]) : null;
        if (SameShapeOps.Contains(node.OpType))
        {
            return output == 0 ? x : null;
        }

        if (BroadcastOps.Contains(node.OpType))
        {
            return Broadcast(node.Inputs.Where(i => i.Length > 0).Select(Of).ToList());
        }

        return node.OpType switch
        {
            "Transpose" when x is not null => Transpose(x, node.GetInts("perm")),
            "Gather" when x is not null => Gather(node, x),
            "MatMul" => MatMul(x, Of(node.Inputs[1])),
            "Gemm" => Gemm(node, x, Of(node.Inputs[1])),
            "Unsqueeze" when x is not null => Unsqueeze(x, Axes(node, 1)),
            "Squeeze" when x is not null => Squeeze(x, Axes(node, 1)),
            "Reshape" => ReshapeOf(node, x),
            "Shape" => [ShapeLength(node, x)],
            "Flatten" when x is not null => Flatten(x, (int)node.GetInt("axis", 1)),
            "Concat" => Concat(node),
            "Slice" when x is not null => Slice(node, x),
            "Split" when x is not null => Split(node, x, output),
            "Conv" when x is not null => Conv(node, x, Of(node.Inputs[1])),
            "LSTM" or "GRU" or "RNN" when x is not null => Recurrent(node, x, output),
            _ => null,
        };
    }

    private static long?[]? Broadcast(List<long?[]?> shapes)
    {
        if (shapes.Count == 0 || shapes.Any(s => s is null))
        {
            return null;
        }

        int rank = shapes.Max(s => s!.Length);
        var result = new long?[rank];
        for (int a = 0; a < rank; a++)
        {
            bool unknown = false;
            long size = 1;
            foreach (long?[]? s in shapes)
            {
                int i = a - (rank - s!.Length);
                if (i < 0)
                {
                    continue;
                }

                if (s[i] is long v)
                {
                    size = v != 1 ? v : size;
                }
                else
                {
                    unknown = true;
                }
            }

            result[a] = unknown && size == 1 ? null : size;
        }

        return result;
    }

    private static long?[] Transpose(long?[] x, long[]? perm)
        => perm is null ? [.. x.Reverse()] : [.. perm.Select(p => x[(int)p])];

    private long?[]? Gather(OnnxNode node, long?[] x)
    {
        long?[]? indices = Of(node.Inputs[1]);
        if (indices is null)
        {
            return null;
        }

        int axis = Normalize(node.GetInt("axis", 0), x.Length);
        return [.. x.Take(axis), .. indices, .. x.Skip(axis + 1)];
    }

    private static long?[]? MatMul(long?[]? a, long?[]? b)
    {
        if (a is null || b is null || a.Length == 0 || b.Length == 0)
        {
            return null;
        }

        long?[] a2 = a.Length == 1 ? [1, a[0]] : a;
        long?[] b2 = b.Length == 1 ? [b[0], 1] : b;
        long?[]? batch = Broadcast([a2[..^2], b2[..^2]]);
        if (batch is null)
        {
            return null;
        }

        var result = new List<long?>(batch);
        if (a.Length > 1)
        {
            result.Add(a2[^2]);
        }

        if (b.Length > 1)
        {
            result.Add(b2[^1]);
        }

        return [.. result];
    }

    private static long?[]? Gemm(OnnxNode node, long?[]? a, long?[]? b)
        => a is { Length: 2 } && b is { Length: 2 }
            ? [node.GetInt("transA", 0) == 0 ? a[0] : a[1], node.GetInt("transB", 0) == 0 ? b[1] : b[0]]
            : null;

    private static long?[]? Unsqueeze(long?[] x, long[]? axes)
    {
        if (axes is null)
        {
            return null;
        }

        int rank = x.Length + axes.Length;
        var set = axes.Select(a => Normalize(a, rank)).ToHashSet();
        var result = new long?[rank];
        int k = 0;
        for (int a = 0; a < rank; a++)
        {
            result[a] = set.Contains(a) ? 1 : x[k++];
        }

        return result;
    }

    private static long?[]? Squeeze(long?[] x, long[]? axes)
    {
        if (axes is null)
        {
            return x.All(d => d is not null) ? [.. x.Where(d => d != 1)] : null;
        }

        var set = axes.Select(a => Normalize(a, x.Length)).ToHashSet();
        return [.. x.Where((_, a) => !set.Contains(a))];
    }

    /// <summary>
    /// A Reshape's output: from the data's dims and a constant target; without the data's dims, the target's positive
    /// entries; without a constant target, only the rank (the length of the shape tensor, when that is known).
    /// </summary>
    private long?[]? ReshapeOf(OnnxNode node, long?[]? x)
    {
        if (ConstantInts(node.Inputs[1]) is { } target)
        {
            return x is not null ? Reshape(x, target) : [.. target.Select(t => t > 0 ? (long?)t : null)];
        }

        return Of(node.Inputs[1]) is [long length] ? new long?[length] : null;
    }

    /// <summary>The length of a Shape's output (its input's rank, cut by the start/end attributes); null when the rank is unknown.</summary>
    private static long? ShapeLength(OnnxNode node, long?[]? x)
    {
        if (x is null)
        {
            return null;
        }

        long rank = x.Length;
        long Clamp(long v) => Math.Clamp(v < 0 ? v + rank : v, 0, rank);
        return Math.Max(0, Clamp(node.GetInt("end", rank)) - Clamp(node.GetInt("start", 0)));
    }

    private static long?[]? Reshape(long?[] x, long[]? target)
    {
        if (target is null)
        {
            return null;
        }

        var result = target.Select((t, a) => t == 0 && a < x.Length ? x[a] : t == -1 ? null : (long?)t).ToArray();
        int minus = Array.IndexOf(target, -1L);
        if (minus < 0)
        {
            return result;
        }

        // Dims copied in place (0) cancel on both sides, so an unknown batch dim copied that way does not hide the -1.
        bool Copied(int a) => a < target.Length && a != minus && target[a] == 0;
        var remainingIn = x.Where((_, a) => !Copied(a)).ToList();
        var remainingOut = result.Where((_, a) => a != minus && !Copied(a)).ToList();
        if (remainingIn.All(d => d is not null) && remainingOut.All(d => d is not null))
        {
            long total = remainingIn.Aggregate(1L, (p, d) => p * d!.Value);
            long rest = remainingOut.Aggregate(1L, (p, d) => p * d!.Value);
            result[minus] = rest == 0 ? 0 : total / rest;
        }

        return result;
    }

    private static long?[] Flatten(long?[] x, int axis)
    {
        axis = Normalize(axis, x.Length);
        long? Product(IEnumerable<long?> dims) => dims.Aggregate((long?)1, (p, d) => p * d);
        return [Product(x.Take(axis)), Product(x.Skip(axis))];
    }

    private long[]? Axes(OnnxNode node, int inputIndex)
        => node.GetInts("axes") ?? (node.Inputs.Count > inputIndex && node.Inputs[inputIndex].Length > 0 ? ConstantInts(node.Inputs[inputIndex]) : null);

    /// <summary>The values of a constant integer tensor (an initializer or a Constant node), or null.</summary>
    public long[]? ConstantInts(string value)
    {
        if (_graph.Initializers.TryGetValue(value, out OnnxTensorData? init))
        {
            return init.ToInt64s();
        }

        return _graph.Producer(value) is { OpType: "Constant" } c && c.GetTensor("value") is { } t ? t.ToInt64s() : null;
    }

    /// <summary>
    /// The values of an integer tensor known before anything runs: a constant, or a one-element tensor that
    /// <see cref="ScalarInt"/> reads from a shape (PyTorch slices up to <c>Unsqueeze(Gather(Shape(x), k))</c>); or null.
    /// </summary>
    public long[]? StaticInts(string value)
        => ConstantInts(value) ?? (ScalarInt(value) is long v ? [v] : null);

    /// <summary>
    /// The value of a one-element integer tensor known before anything runs: a constant, or a dim read from a shape
    /// (<c>Gather(Shape(v), k)</c>), through Cast, Squeeze, Unsqueeze, Reshape and Identity; null when unknown.
    /// </summary>
    public long? ScalarInt(string value)
    {
        for (int depth = 0; depth < 16 && value.Length > 0; depth++)
        {
            if (ConstantInts(value) is { Length: 1 } constant)
            {
                return constant[0];
            }

            OnnxNode? p = _graph.Producer(value);
            if (p is null || p.Domain.Length != 0)
            {
                return null;
            }

            if (p.OpType == "Gather" && _graph.Producer(p.Inputs[0]) is { OpType: "Shape" } shape && ConstantInts(p.Inputs[1]) is { Length: 1 } index
                && shape.GetInt("start", 0) == 0 && !shape.HasAttribute("end") && Of(shape.Inputs[0]) is { } dims)
            {
                return dims[Normalize(index[0], dims.Length)];
            }

            if (!(p.OpType is "Cast" or "Squeeze" or "Unsqueeze" or "Reshape" or "Identity"))
            {
                return null;
            }

            value = p.Inputs[0];
        }

        return null;
    }

    private static int Normalize(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);
}
