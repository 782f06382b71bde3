namespace Microsoft.ML.Lrp.Rules;

/// <summary>The leading padding of a sliding window (Conv, ConvTranspose's adjoint, pools), ONNX <c>auto_pad</c> resolved.</summary>
internal static class WindowPadding
{
    /// <summary>
    /// Padding before each spatial axis. SAME_* derives it from the observed output size; VALID is none; NOTSET takes
    /// the first half of <paramref name="pads"/> (none when absent).
    /// </summary>
    public static int[] Begin(string autoPad, long[]? pads, int[] inSpatial, int[] outSpatial, int[] kernel, int[] strides, int[] dilations)
    {
        int rank = inSpatial.Length;
        var begin = new int[rank];
        for (int a = 0; a < rank; a++)
        {
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                int total = Math.Max(0, ((outSpatial[a] - 1) * strides[a]) + ((kernel[a] - 1) * dilations[a]) + 1 - inSpatial[a]);
                begin[a] = autoPad == "SAME_UPPER" ? total / 2 : total - (total / 2);
            }
            else if (autoPad != "VALID" && pads is not null)
            {
                begin[a] = (int)pads[a];
            }
        }

        return begin;
    }
}
