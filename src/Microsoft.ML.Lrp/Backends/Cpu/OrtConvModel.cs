using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// The one-node ONNX models <see cref="OrtConvKernels"/> runs: <c>Y = Conv(X, W)</c> for a geometry, or its exact
/// transpose <c>Y = ConvTranspose(X, W)</c> (same weight layout <c>[M, C, kh, kw]</c>), with a symbolic batch.
/// End padding is chosen so that ONNX's output-size formulas give the geometry's sizes exactly; a geometry that
/// needs an output padding ONNX forbids gives null. The models carry no weights: <c>W</c> is read from the layer's
/// own array as an external file (<see cref="OrtWeightFile"/>), and what a model needs in another form (a flipped
/// kernel, a block of channels) is made by constant nodes that ONNX Runtime folds when it builds the session, so
/// no managed copy of the weights is made for any of a layer's sessions (unless this ONNX Runtime build lacks the
/// in-memory external data call, when <see cref="OrtWeightFile"/> writes them inline).
/// </summary>
internal static class OrtConvModel
{
    /// <summary>Whether <see cref="Build"/> gives a model for this geometry and direction (it needs no weights to tell).</summary>
    public static bool Supports(ConvGeometry g, bool transpose)
        => transpose && g.Strides.All(s => s == 1) ? StrideOnePads(g) is not null : Pads(g, transpose) is not null;

    /// <summary>
    /// The model of the convolution (or its transpose) of <paramref name="g"/> over the layer's whole weight
    /// <c>W [M, C, k…]</c>; null when ONNX cannot express the geometry.
    /// </summary>
    public static ModelProto? Build(ConvGeometry g, bool transpose)
        => BuildOver(g, transpose, new WeightSource([OrtWeightFile.Reference("W", WeightDims(g), 0)], []));

    /// <summary>
    /// The model of output channels <c>[first, end)</c> only (the output channels of the transpose are the
    /// convolution's input channels): each channel of a convolution's output depends on its own weights alone, so
    /// the parts of one sample run on different threads (<see cref="OrtConvSession"/>) and write disjoint blocks.
    /// Rows <c>[first, end)</c> of <c>W [M, C, k…]</c> are read in place; the transpose's columns
    /// <c>W[:, first:end]</c> are cut by a constant Slice.
    /// </summary>
    public static ModelProto? BuildChannels(ConvGeometry g, bool transpose, int first, int end)
    {
        int count = end - first;
        if (!transpose)
        {
            var rows = g with { OutChannels = count };
            return BuildOver(rows, false, new WeightSource([OrtWeightFile.Reference("W", WeightDims(rows), (long)first * g.InChannels * g.KernelSize)], []));
        }

        var slice = Node("Slice", "columns", ["W_all", "columns_starts", "columns_ends", "columns_axes"], "W");
        var source = new WeightSource(
            [OrtWeightFile.Reference("W_all", WeightDims(g), 0), Int64s("columns_starts", first), Int64s("columns_ends", end), Int64s("columns_axes", 1)],
            [slice]);
        return BuildOver(g with { InChannels = count }, true, source);
    }

    /// <summary>A model's weight: initializers and the constant nodes that make the value named <c>W</c> from them.</summary>
    private sealed record WeightSource(IReadOnlyList<TensorProto> Initializers, IReadOnlyList<NodeProto> Nodes);

    private static long[] WeightDims(ConvGeometry g) => [g.OutChannels, g.InChannels, .. g.KernelSpatial.Select(k => (long)k)];

    private static ModelProto? BuildOver(ConvGeometry g, bool transpose, WeightSource weight)
    {
        if (transpose && g.Strides.All(s => s == 1))
        {
            return StrideOneTranspose(g, weight);
        }

        if (Pads(g, transpose) is not { } pads)
        {
            return null;
        }

        var (padsEnd, outputPadding) = pads;

        var graph = new GraphProto { Name = "lrp_conv" };
        graph.Initializer.AddRange(weight.Initializers);
        graph.Node.AddRange(weight.Nodes);
        var node = Node(transpose ? "ConvTranspose" : "Conv", "conv", ["X", "W"], "Y");
        node.Attribute.Add(Ints("kernel_shape", g.KernelSpatial.Select(k => (long)k)));
        node.Attribute.Add(Ints("strides", g.Strides.Select(k => (long)k)));
        node.Attribute.Add(Ints("dilations", g.Dilations.Select(k => (long)k)));
        node.Attribute.Add(Ints("pads", g.PadsBegin.Select(k => (long)k).Concat(padsEnd)));
        if (transpose)
        {
            node.Attribute.Add(Ints("output_padding", outputPadding));
        }

        graph.Node.Add(node);
        int[] inDims = [g.InChannels, .. g.InSpatial], outDims = [g.OutChannels, .. g.OutSpatial];
        graph.Input.Add(Value("X", transpose ? outDims : inDims));
        graph.Output.Add(Value("Y", transpose ? inDims : outDims));
        return Model(graph);
    }

    /// <summary>End pads and output padding of the (transposed) convolution model; null when ONNX cannot express it.</summary>
    private static (long[] PadsEnd, long[] OutputPadding)? Pads(ConvGeometry g, bool transpose)
    {
        int rank = g.SpatialRank;
        var padsEnd = new long[rank];
        var outputPadding = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            int s = g.Strides[d], extent = ((g.KernelSpatial[d] - 1) * g.Dilations[d]) + 1, pb = g.PadsBegin[d];
            int i = g.InSpatial[d], o = g.OutSpatial[d];
            int pe = Math.Max(0, (s * (o - 1)) + extent - pb - i);
            if ((((i + pb + pe - extent) / s) + 1) != o || pb < 0)
            {
                return null;
            }

            padsEnd[d] = pe;
            outputPadding[d] = i - ((s * (o - 1)) + extent - pb - pe);
            if (transpose && (outputPadding[d] < 0 || outputPadding[d] >= Math.Max(s, g.Dilations[d])))
            {
                return null;
            }
        }

        return (padsEnd, outputPadding);
    }

    /// <summary>Begin and end pads of the stride-1 transpose written as a convolution; null when one would be negative.</summary>
    private static (long[] PadsBegin, long[] PadsEnd)? StrideOnePads(ConvGeometry g)
    {
        int rank = g.SpatialRank;
        var padsBegin = new long[rank];
        var padsEnd = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            int extent = ((g.KernelSpatial[d] - 1) * g.Dilations[d]) + 1;
            padsBegin[d] = extent - 1 - g.PadsBegin[d];
            padsEnd[d] = g.InSpatial[d] - g.OutSpatial[d] + g.PadsBegin[d];
            if (padsBegin[d] < 0 || padsEnd[d] < 0)
            {
                return null;
            }
        }

        return (padsBegin, padsEnd);
    }

    /// <summary>
    /// The transpose of a stride-1 convolution is itself a convolution (ONNX Runtime's fast path, unlike
    /// ConvTranspose): of <c>dy</c> with the kernel flipped in space and its channel axes swapped, begin padding
    /// <c>extent − 1 − padBegin</c> and end padding <c>in − out + padBegin</c>. The swap and flip are a constant
    /// Transpose and a Slice with step −1 on every spatial axis. Null when a padding would be negative.
    /// </summary>
    private static ModelProto? StrideOneTranspose(ConvGeometry g, WeightSource weight)
    {
        if (StrideOnePads(g) is not { } pads)
        {
            return null;
        }

        var (padsBegin, padsEnd) = pads;
        int rank = g.SpatialRank;
        var graph = new GraphProto { Name = "lrp_conv_transpose" };
        graph.Initializer.AddRange(weight.Initializers);
        graph.Initializer.Add(Int64s("flip_starts", [.. Enumerable.Repeat(-1L, rank)]));
        graph.Initializer.Add(Int64s("flip_ends", [.. Enumerable.Repeat(long.MinValue, rank)]));
        graph.Initializer.Add(Int64s("flip_axes", [.. Enumerable.Range(2, rank).Select(a => (long)a)]));
        graph.Initializer.Add(Int64s("flip_steps", [.. Enumerable.Repeat(-1L, rank)]));
        graph.Node.AddRange(weight.Nodes);
        var swap = Node("Transpose", "swap", ["W"], "W_swapped");
        swap.Attribute.Add(Ints("perm", [1, 0, .. Enumerable.Range(2, rank).Select(a => (long)a)]));
        graph.Node.Add(swap);
        graph.Node.Add(Node("Slice", "flip", ["W_swapped", "flip_starts", "flip_ends", "flip_axes", "flip_steps"], "W_flipped"));
        var node = Node("Conv", "conv", ["X", "W_flipped"], "Y");
        node.Attribute.Add(Ints("kernel_shape", g.KernelSpatial.Select(k => (long)k)));
        node.Attribute.Add(Ints("dilations", g.Dilations.Select(k => (long)k)));
        node.Attribute.Add(Ints("pads", padsBegin.Concat(padsEnd)));
        graph.Node.Add(node);
        graph.Input.Add(Value("X", [g.OutChannels, .. g.OutSpatial]));
        graph.Output.Add(Value("Y", [g.InChannels, .. g.InSpatial]));
        return Model(graph);
    }

    internal static ModelProto Model(GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "Microsoft.ML.Lrp" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model;
    }

    internal static NodeProto Node(string opType, string name, IEnumerable<string> inputs, string output)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A constant 1-D int64 initializer (Slice's bounds and axes).</summary>
    private static TensorProto Int64s(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = 7 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    /// <summary>A float graph input or output of shape <c>[N, dims…]</c> with a symbolic batch <c>N</c>.</summary>
    internal static ValueInfoProto Value(string name, int[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (int d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }
}
