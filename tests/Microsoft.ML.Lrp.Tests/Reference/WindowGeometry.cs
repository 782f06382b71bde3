using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Reference.ReferenceGraph;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>The sliding-window geometry of Conv and the pools: kernel, strides, dilations, begin/end pads, output size.</summary>
internal sealed class WindowGeometry
{
    /// <summary>Creates a geometry from explicit values.</summary>
    public WindowGeometry(int[] inputSpatial, int[] kernel, int[] strides, int[] dilations, int[] padBegin, int[] padEnd)
    {
        InputSpatial = inputSpatial;
        Kernel = kernel;
        Strides = strides;
        Dilations = dilations;
        PadBegin = padBegin;
        OutputSpatial = new int[inputSpatial.Length];
        for (int d = 0; d < inputSpatial.Length; d++)
        {
            int extent = ((kernel[d] - 1) * dilations[d]) + 1;
            OutputSpatial[d] = ((inputSpatial[d] + padBegin[d] + padEnd[d] - extent) / strides[d]) + 1;
        }
    }

    /// <summary>Input spatial dims.</summary>
    public int[] InputSpatial { get; }

    /// <summary>Kernel spatial dims.</summary>
    public int[] Kernel { get; }

    /// <summary>Strides.</summary>
    public int[] Strides { get; }

    /// <summary>Dilations.</summary>
    public int[] Dilations { get; }

    /// <summary>Pads at the start of each dim.</summary>
    public int[] PadBegin { get; }

    /// <summary>Output spatial dims.</summary>
    public int[] OutputSpatial { get; }

    /// <summary>Reads strides, dilations, pads and auto_pad (NOTSET, VALID, SAME_UPPER, SAME_LOWER) of a node.</summary>
    public static WindowGeometry FromNode(NodeProto node, int[] inputSpatial, int[] kernel)
    {
        int rank = inputSpatial.Length;
        var strides = Ints(node, "strides")?.Select(v => (int)v).ToArray() ?? Enumerable.Repeat(1, rank).ToArray();
        var dilations = Ints(node, "dilations")?.Select(v => (int)v).ToArray() ?? Enumerable.Repeat(1, rank).ToArray();
        var pads = Ints(node, "pads")?.Select(v => (int)v).ToArray() ?? new int[2 * rank];
        var begin = pads.Take(rank).ToArray();
        var end = pads.Skip(rank).ToArray();
        string autoPad = String(node, "auto_pad", "NOTSET");
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (int d = 0; d < rank; d++)
            {
                int output = (inputSpatial[d] + strides[d] - 1) / strides[d];
                int extent = ((kernel[d] - 1) * dilations[d]) + 1;
                int total = Math.Max(0, ((output - 1) * strides[d]) + extent - inputSpatial[d]);
                begin[d] = autoPad == "SAME_UPPER" ? total / 2 : total - (total / 2);
                end[d] = total - begin[d];
            }
        }
        else if (autoPad == "VALID")
        {
            begin = new int[rank];
            end = new int[rank];
        }

        return new WindowGeometry(inputSpatial, kernel, strides, dilations, begin, end);
    }

    /// <summary>
    /// The flat input positions (within one spatial plane) of the window at an output position, in kernel order;
    /// −1 for a position in the padding.
    /// </summary>
    public IEnumerable<int> Window(int[] outputPosition)
    {
        foreach (var k in ReferenceTensor.Positions(Kernel))
        {
            var input = new int[Kernel.Length];
            bool inside = true;
            for (int d = 0; d < Kernel.Length; d++)
            {
                input[d] = (outputPosition[d] * Strides[d]) - PadBegin[d] + (k[d] * Dilations[d]);
                inside &= input[d] >= 0 && input[d] < InputSpatial[d];
            }

            yield return inside ? ReferenceTensor.Ravel(input, InputSpatial) : -1;
        }
    }
}
