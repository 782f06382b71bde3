using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// A forward product a rule would otherwise compute in the relevance pass (ZPlus's <c>W⁺x</c>, Gamma's <c>γW⁺x</c>
/// on a convolution), which ONNX Runtime can compute in the capture run instead: a <c>Conv</c> node appended to the
/// capture model, reading the captured layer's input <paramref name="Input"/> with the rule's weight variant
/// <paramref name="Weight"/> (no bias). The capture run holds its input in ONNX Runtime's blocked layout already, so
/// the product costs there about what the same convolution costs in the forward pass, against a one-node session's
/// reorders in and out in the relevance pass. Captured like any value (under the policies that capture what a rule
/// can reuse); a rule that finds it skips its forward product. Its shape is <paramref name="ShapeOf"/>'s.
/// </summary>
internal sealed record ForwardProduct(string Name, string Input, string ShapeOf, ConvGeometry Geometry, float[] Weight)
{
    /// <summary>The value name of the product of <paramref name="nodeOutput"/>'s layer with the weight variant <paramref name="variant"/>.</summary>
    public static string NameFor(string nodeOutput, string variant) => $"{nodeOutput}::lrp_product_{variant}";

    /// <summary>
    /// The ONNX <c>Conv</c> node of this product (its weight an initializer named after it), or null when ONNX's
    /// output-size formula cannot give the geometry's output (an output smaller than the input allows: a cropped window).
    /// </summary>
    public Onnx.OnnxConvNode? ToOnnx()
    {
        var g = Geometry;
        int rank = g.SpatialRank;
        var padsEnd = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            int s = g.Strides[d], extent = ((g.KernelSpatial[d] - 1) * g.Dilations[d]) + 1, pb = g.PadsBegin[d];
            int i = g.InSpatial[d], o = g.OutSpatial[d];
            int pe = Math.Max(0, (s * (o - 1)) + extent - pb - i);
            if (pb < 0 || (((i + pb + pe - extent) / s) + 1) != o)
            {
                return null;
            }

            padsEnd[d] = pe;
        }

        return new Onnx.OnnxConvNode(
            Name,
            Input,
            Weight,
            WeightDims,
            [.. g.KernelSpatial.Select(k => (long)k)],
            [.. g.Strides.Select(k => (long)k)],
            [.. g.Dilations.Select(k => (long)k)],
            [.. g.PadsBegin.Select(k => (long)k), .. padsEnd],
            g.Group);
    }

    /// <summary>The weight's ONNX shape <c>[M, C / group, k…]</c>.</summary>
    public long[] WeightDims => [Geometry.OutChannels, Geometry.InChannels / Geometry.Group, .. Geometry.KernelSpatial.Select(k => (long)k)];
}
