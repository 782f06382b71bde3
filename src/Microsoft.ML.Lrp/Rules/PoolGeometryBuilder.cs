using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>Reads the pooling window of an AveragePool/MaxPool node; output sizes come from the observed shapes.</summary>
internal static class PoolGeometryBuilder
{
    public static PoolGeometry Build(LrpNode node, int[] xShape, int[] yShape)
    {
        var n = node.Source;
        int rank = xShape.Length - 2;
        int[] kernel = n.GetInts("kernel_shape")?.Select(v => (int)v).ToArray()
            ?? throw new LrpException($"Node '{node.Name}' ({node.OpType}) has no kernel_shape.");
        int[] strides = n.GetInts("strides")?.Select(v => (int)v).ToArray() ?? Enumerable.Repeat(1, rank).ToArray();
        int[] dilations = n.GetInts("dilations")?.Select(v => (int)v).ToArray() ?? Enumerable.Repeat(1, rank).ToArray();
        string autoPad = n.GetString("auto_pad", "NOTSET");
        var pads = n.GetInts("pads");
        int[] inSpatial = xShape[2..];
        int[] outSpatial = yShape[2..];
        var padsBegin = WindowPadding.Begin(autoPad, pads, inSpatial, outSpatial, kernel, strides, dilations);

        bool countIncludePad = n.GetInt("count_include_pad", 0) != 0;
        return new PoolGeometry(xShape[0], xShape[1], inSpatial, kernel, outSpatial, strides, padsBegin, dilations, countIncludePad);
    }
}
