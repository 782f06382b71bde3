using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Reference.ReferenceGraph;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>Writes Conv and ConvTranspose (any spatial rank, groups, strides, pads, dilations) out as <see cref="LinearMap"/>s.</summary>
internal static class ConvolutionMapBuilder
{
    /// <summary>Conv: x [N, C, ...], w [M, C/G, k...], optional b [M].</summary>
    public static LinearMap Conv(NodeProto node, ReferenceTensor x, ReferenceTensor w, ReferenceTensor? b)
    {
        int batch = x.Shape[0];
        int channels = x.Shape[1];
        int groups = (int)Int(node, "group", 1);
        int outChannels = w.Shape[0];
        int groupIn = channels / groups;
        int groupOut = outChannels / groups;
        var spatial = x.Shape.Skip(2).ToArray();
        var kernel = w.Shape.Skip(2).ToArray();
        var geometry = WindowGeometry.FromNode(node, spatial, kernel);
        var outShape = new[] { batch, outChannels }.Concat(geometry.OutputSpatial).ToArray();
        var map = new LinearMap(x.Size, outShape);
        int inPlane = ReferenceTensor.SizeOf(spatial);
        int outPlane = ReferenceTensor.SizeOf(geometry.OutputSpatial);
        int kernelSize = ReferenceTensor.SizeOf(kernel);
        for (int n = 0; n < batch; n++)
        {
            for (int m = 0; m < outChannels; m++)
            {
                int g = m / groupOut;
                for (int op = 0; op < outPlane; op++)
                {
                    int o = (((n * outChannels) + m) * outPlane) + op;
                    var window = geometry.Window(ReferenceTensor.Unravel(op, geometry.OutputSpatial)).ToArray();
                    for (int c = 0; c < groupIn; c++)
                    {
                        int inChannel = (g * groupIn) + c;
                        for (int kk = 0; kk < kernelSize; kk++)
                        {
                            if (window[kk] >= 0)
                            {
                                map.Connect(o, (((n * channels) + inChannel) * inPlane) + window[kk], w.Data[(((m * groupIn) + c) * kernelSize) + kk]);
                            }
                        }
                    }

                    map.Bias[o] = b?.Data[m] ?? 0.0;
                }
            }
        }

        return map;
    }

    /// <summary>ConvTranspose: x [N, C, ...], w [C, M/G, k...], optional b [M]; explicit pads and output_padding.</summary>
    public static LinearMap ConvTranspose(NodeProto node, ReferenceTensor x, ReferenceTensor w, ReferenceTensor? b)
    {
        if (Attribute(node, "output_shape") is not null || String(node, "auto_pad", "NOTSET") is "SAME_UPPER" or "SAME_LOWER")
        {
            throw new NotSupportedException($"The reference supports {Describe(node)} only with explicit pads.");
        }

        int batch = x.Shape[0];
        int channels = x.Shape[1];
        int groups = (int)Int(node, "group", 1);
        int groupIn = channels / groups;
        int groupOut = w.Shape[1];
        int outChannels = groupOut * groups;
        var spatial = x.Shape.Skip(2).ToArray();
        var kernel = w.Shape.Skip(2).ToArray();
        int rank = spatial.Length;
        var strides = Ints(node, "strides")?.Select(v => (int)v).ToArray() ?? Enumerable.Repeat(1, rank).ToArray();
        var dilations = Ints(node, "dilations")?.Select(v => (int)v).ToArray() ?? Enumerable.Repeat(1, rank).ToArray();
        var pads = String(node, "auto_pad", "NOTSET") == "VALID" ? new int[2 * rank] : Ints(node, "pads")?.Select(v => (int)v).ToArray() ?? new int[2 * rank];
        var outputPadding = Ints(node, "output_padding")?.Select(v => (int)v).ToArray() ?? new int[rank];
        var outSpatial = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            outSpatial[d] = (strides[d] * (spatial[d] - 1)) + outputPadding[d] + ((kernel[d] - 1) * dilations[d]) + 1 - pads[d] - pads[rank + d];
        }

        var outShape = new[] { batch, outChannels }.Concat(outSpatial).ToArray();
        var map = new LinearMap(x.Size, outShape);
        int inPlane = ReferenceTensor.SizeOf(spatial);
        int outPlane = ReferenceTensor.SizeOf(outSpatial);
        int kernelSize = ReferenceTensor.SizeOf(kernel);
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                int g = c / groupIn;
                for (int ip = 0; ip < inPlane; ip++)
                {
                    var inPosition = ReferenceTensor.Unravel(ip, spatial);
                    for (int kk = 0; kk < kernelSize; kk++)
                    {
                        var k = ReferenceTensor.Unravel(kk, kernel);
                        var outPosition = new int[rank];
                        bool inside = true;
                        for (int d = 0; d < rank; d++)
                        {
                            outPosition[d] = (inPosition[d] * strides[d]) - pads[d] + (k[d] * dilations[d]);
                            inside &= outPosition[d] >= 0 && outPosition[d] < outSpatial[d];
                        }

                        if (!inside)
                        {
                            continue;
                        }

                        int op = ReferenceTensor.Ravel(outPosition, outSpatial);
                        for (int mo = 0; mo < groupOut; mo++)
                        {
                            int m = (g * groupOut) + mo;
                            map.Connect((((n * outChannels) + m) * outPlane) + op, (((n * channels) + c) * inPlane) + ip, w.Data[(((c * groupOut) + mo) * kernelSize) + kk]);
                        }
                    }
                }
            }
        }

        for (int o = 0; o < map.OutputSize; o++)
        {
            map.Bias[o] = b?.Data[(o / outPlane) % outChannels] ?? 0.0;
        }

        return map;
    }
}
