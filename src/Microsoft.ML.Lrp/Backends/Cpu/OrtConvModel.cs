using System.Buffers;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// The one-node ONNX models <see cref="OrtConvKernels"/> runs: <c>Y = Conv(X, W)</c> for a geometry, or its exact
/// transpose <c>Y = ConvTranspose(X, W)</c> (same weight layout <c>[M, C, kh, kw]</c>), with a symbolic batch.
/// End padding is chosen so that ONNX's output-size formulas give the geometry's sizes exactly; a geometry that
/// needs an output padding ONNX forbids gives null.
/// </summary>
internal static class OrtConvModel
{
    /// <summary>Whether <see cref="Build"/> gives a model for this geometry and direction (it needs no weights to tell).</summary>
    public static bool Supports(ConvGeometry g, bool transpose)
        => transpose && g.Strides.All(s => s == 1) ? StrideOnePads(g) is not null : Pads(g, transpose) is not null;

    /// <summary>
    /// The model of output channels <c>[first, end)</c> only (the output channels of the transpose are the
    /// convolution's input channels): each channel of a convolution's output depends on its own weights alone, so
    /// the parts of one sample run on different threads (<see cref="OrtConvSession"/>) and write disjoint blocks.
    /// </summary>
    public static byte[]? BuildChannels(ConvGeometry g, bool transpose, float[] weights, int first, int end)
    {
        int count = end - first, ks = g.KernelSize;
        if (!transpose)
        {
            // Rows [first, end) of W [M, C, k…] are contiguous.
            return Build(g with { OutChannels = count }, false, weights.AsSpan(first * g.InChannels * ks, count * g.InChannels * ks).ToArray());
        }

        // W[:, first:end, k…] of W [M, C, k…].
        var part = new float[g.OutChannels * count * ks];
        for (int m = 0; m < g.OutChannels; m++)
        {
            weights.AsSpan(((m * g.InChannels) + first) * ks, count * ks).CopyTo(part.AsSpan(m * count * ks));
        }

        return Build(g with { InChannels = count }, true, part);
    }

    public static byte[]? Build(ConvGeometry g, bool transpose, float[] weights)
    {
        if (transpose && g.Strides.All(s => s == 1))
        {
            return StrideOneTranspose(g, weights);
        }

        if (Pads(g, transpose) is not { } pads)
        {
            return null;
        }

        var (padsEnd, outputPadding) = pads;

        var graph = new GraphProto { Name = "lrp_conv" };
        graph.Initializer.Add(Weight(weights, [g.OutChannels, g.InChannels, .. g.KernelSpatial.Select(k => (long)k)]));

        var node = new NodeProto { OpType = transpose ? "ConvTranspose" : "Conv", Name = "conv" };
        node.Input.Add("X");
        node.Input.Add("W");
        node.Output.Add("Y");
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
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "Microsoft.ML.Lrp" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
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
    /// <c>extent − 1 − padBegin</c> and end padding <c>in − out + padBegin</c>. Null when a padding would be negative.
    /// </summary>
    private static byte[]? StrideOneTranspose(ConvGeometry g, float[] weights)
    {
        if (StrideOnePads(g) is not { } pads)
        {
            return null;
        }

        var (padsBegin, padsEnd) = pads;

        int m = g.OutChannels, c = g.InChannels, ks = g.KernelSize;
        var flippedBytes = new byte[weights.Length * sizeof(float)];
        var flipped = MemoryMarshal.Cast<byte, float>(flippedBytes.AsSpan());
        for (int mi = 0; mi < m; mi++)
        {
            for (int ci = 0; ci < c; ci++)
            {
                var source = weights.AsSpan(((mi * c) + ci) * ks, ks);
                var target = flipped.Slice(((ci * m) + mi) * ks, ks);
                for (int r = 0; r < ks; r++)
                {
                    target[ks - 1 - r] = source[r];
                }
            }
        }

        var graph = new GraphProto { Name = "lrp_conv_transpose" };
        var w = new TensorProto { Name = "W", DataType = 1, RawData = UnsafeByteOperations.UnsafeWrap(flippedBytes) };
        w.Dims.Add(c);
        w.Dims.Add(m);
        w.Dims.AddRange(g.KernelSpatial.Select(k => (long)k));
        graph.Initializer.Add(w);
        var node = new NodeProto { OpType = "Conv", Name = "conv" };
        node.Input.Add("X");
        node.Input.Add("W");
        node.Output.Add("Y");
        node.Attribute.Add(Ints("kernel_shape", g.KernelSpatial.Select(k => (long)k)));
        node.Attribute.Add(Ints("dilations", g.Dilations.Select(k => (long)k)));
        node.Attribute.Add(Ints("pads", padsBegin.Concat(padsEnd)));
        graph.Node.Add(node);
        graph.Input.Add(Value("X", [m, .. g.OutSpatial]));
        graph.Output.Add(Value("Y", [c, .. g.InSpatial]));
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "Microsoft.ML.Lrp" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }

    private static AttributeProto Ints(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>
    /// The initializer <c>W</c> of a one-node model, serialised straight from the caller's (immutable) array: no
    /// managed copy besides the model's bytes.
    /// </summary>
    internal static TensorProto Weight(float[] weights, long[] dims)
    {
        var w = new TensorProto { Name = "W", DataType = 1, RawData = UnsafeByteOperations.UnsafeWrap(new FloatBytes(weights).Memory) };
        w.Dims.AddRange(dims);
        return w;
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

    /// <summary>The bytes of a float array as memory, so that a tensor's raw data is written from it without a copy.</summary>
    private sealed unsafe class FloatBytes(float[] data) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(data.AsSpan());

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            var handle = GCHandle.Alloc(data, GCHandleType.Pinned);
            return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle, this);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
