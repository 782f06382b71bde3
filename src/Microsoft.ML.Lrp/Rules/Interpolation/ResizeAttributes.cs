using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Rules.Interpolation;

/// <summary>
/// The attributes of a <c>Resize</c> (opsets 10–19) or <c>Upsample</c> (opsets 7, 9) node, read as ONNX Runtime reads
/// them: Upsample and the two-input Resize of opset 10 use <c>asymmetric</c> coordinates and the legacy nearest rounding;
/// later Resizes default to <c>half_pixel</c> and <c>round_prefer_floor</c>.
/// </summary>
internal sealed record ResizeAttributes(
    string Mode,
    string CoordinateMode,
    string NearestMode,
    float CubicCoefficient,
    bool ExcludeOutside,
    float ExtrapolationValue,
    bool Antialias,
    string AspectRatioPolicy,
    int[] Axes)
{
    /// <summary>True for the layouts before opset 11: Upsample, and Resize with inputs (X, scales).</summary>
    public static bool IsLegacy(LrpNode node) => node.OpType == "Upsample" || node.Inputs.Count == 2;

    public static ResizeAttributes Of(LrpNode node)
    {
        var n = node.Source;
        bool legacy = IsLegacy(node);
        string mode = n.GetString("mode", "nearest");
        if (mode is "bilinear" or "trilinear")
        {
            mode = "linear";
        }

        return new ResizeAttributes(
            mode,
            legacy ? "asymmetric" : n.GetString("coordinate_transformation_mode", "half_pixel"),
            legacy ? "simple" : n.GetString("nearest_mode", "round_prefer_floor"),
            n.GetFloat("cubic_coeff_a", -0.75f),
            n.GetInt("exclude_outside", 0) != 0,
            n.GetFloat("extrapolation_value", 0f),
            n.GetInt("antialias", 0) != 0,
            n.GetString("keep_aspect_ratio_policy", "stretch"),
            n.GetInts("axes")?.Select(a => (int)a).ToArray() ?? []);
    }

    /// <summary>Why this form is refused, or null when it is covered.</summary>
    public string? Unsupported()
    {
        if (Mode is not ("nearest" or "linear" or "cubic"))
        {
            return $"mode '{Mode}'";
        }

        if (CoordinateMode is not ("half_pixel" or "half_pixel_symmetric" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_half_pixel_for_nn" or "tf_crop_and_resize"))
        {
            return $"coordinate_transformation_mode '{CoordinateMode}'";
        }

        if (NearestMode is not ("simple" or "round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
        {
            return $"nearest_mode '{NearestMode}'";
        }

        return AspectRatioPolicy is "stretch" or "not_larger" or "not_smaller" ? null : $"keep_aspect_ratio_policy '{AspectRatioPolicy}'";
    }

    /// <summary>
    /// The scale and region of interest per axis, as ONNX Runtime derives them: from the <c>scales</c> attribute or input,
    /// or from <c>sizes</c> (<c>scale = size / input</c>, then the aspect-ratio policy), with opset-18 <c>axes</c>.
    /// </summary>
    public (float[] Scales, float[] RoiStart, float[] RoiEnd) Parameters(LrpNode node, RuleContext ctx, int[] xShape)
    {
        int rank = xShape.Length;
        var n = node.Source;
        var scales = Enumerable.Repeat(1f, rank).ToArray();
        var roiStart = new float[rank];
        var roiEnd = Enumerable.Repeat(1f, rank).ToArray();
        int[] axes = Axes.Length > 0 ? Axes.Select(a => a < 0 ? a + rank : a).ToArray() : Enumerable.Range(0, rank).ToArray();
        float[]? givenScales = null;
        long[]? sizes = null;
        if (node.OpType == "Upsample" && n.Attributes.TryGetValue("scales", out var attribute))
        {
            givenScales = attribute.Floats;
        }
        else if (IsLegacy(node))
        {
            givenScales = ctx.Value(node.Inputs[1]).Data;
        }
        else
        {
            if (Input(node, 2) is { } scaleName && ctx.Value(scaleName).Data is { Length: > 0 } s)
            {
                givenScales = s;
            }
            else if (Input(node, 3) is { } sizeName)
            {
                sizes = ctx.Int64s(sizeName);
            }

            if (CoordinateMode == "tf_crop_and_resize" && Input(node, 1) is { } roiName && ctx.Value(roiName).Data is { Length: > 0 } roi)
            {
                int count = roi.Length / 2;
                for (int i = 0; i < count; i++)
                {
                    int axis = Axes.Length > 0 ? axes[i] : i;
                    roiStart[axis] = roi[i];
                    roiEnd[axis] = roi[count + i];
                }
            }
        }

        if (givenScales is not null)
        {
            for (int i = 0; i < givenScales.Length; i++)
            {
                scales[Axes.Length > 0 ? axes[i] : i] = givenScales[i];
            }
        }
        else if (sizes is not null)
        {
            var chosen = Axes.Length > 0 ? axes : Enumerable.Range(0, sizes.Length).ToArray();
            for (int i = 0; i < chosen.Length; i++)
            {
                int axis = chosen[i];
                scales[axis] = xShape[axis] == 0 ? 1f : (float)sizes[i] / xShape[axis];
            }

            if (AspectRatioPolicy != "stretch")
            {
                float policy = AspectRatioPolicy == "not_larger" ? chosen.Min(a => scales[a]) : chosen.Max(a => scales[a]);
                foreach (int axis in chosen)
                {
                    scales[axis] = policy;
                }
            }
        }

        return (scales, roiStart, roiEnd);
    }

    private static string? Input(LrpNode node, int index) => index < node.Inputs.Count && node.Inputs[index].Length > 0 ? node.Inputs[index] : null;
}
