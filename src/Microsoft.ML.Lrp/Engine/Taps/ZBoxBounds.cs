using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Engine.Taps;

/// <summary>
/// The ZBox bounds <c>l</c>, <c>h</c> of a first layer expanded to its input's shape, as the rule reads them: the
/// rule's own scalars, or <see cref="LrpOptions.InputLowerBound"/>/<see cref="LrpOptions.InputUpperBound"/> given
/// as one value, one per channel (axis 1) or one per element of a row.
/// </summary>
internal static class ZBoxBounds
{
    public static (Tensor Low, Tensor High) For(ParameterTap tap, LrpOptions options, int[] shape)
        => tap.BoundsFromOptions
            ? (Expand(options.InputLowerBound!, shape), Expand(options.InputUpperBound!, shape))
            : (Expand([tap.Rule.Low], shape), Expand([tap.Rule.High], shape));

    private static Tensor Expand(float[] values, int[] shape)
    {
        var t = new Tensor(shape, new float[Tensor.ShapeSize(shape)]);
        int rowLength = t.Length / shape[0];
        if (values.Length != 1 && values.Length != rowLength && (shape.Length < 2 || values.Length != shape[1]))
        {
            throw new LrpException($"The ZBox bounds (LrpOptions.InputLowerBound/InputUpperBound) have {values.Length} values; the first layer's input [{string.Join(", ", shape[1..])}] needs 1, one per channel or {rowLength}.");
        }

        for (int i = 0; i < t.Length; i++)
        {
            t.Data[i] = values.Length == 1 ? values[0]
                : shape.Length > 1 && values.Length == shape[1] ? values[(i / (rowLength / shape[1])) % shape[1]]
                : values[i % rowLength];
        }

        return t;
    }
}
