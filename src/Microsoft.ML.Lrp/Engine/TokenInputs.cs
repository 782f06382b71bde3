using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// Explained inputs that are integer token ids, and variable input dimensions (a transformer's sequence length)
/// fixed by <see cref="LrpOptions.InputRowShape"/>.
/// </summary>
internal static class TokenInputs
{
    /// <summary>Ids up to this magnitude survive the float round trip of <see cref="LrpExplainer.Explain"/> exactly.</summary>
    public const long MaxExactId = 1L << 24;

    /// <summary>Accepts integer inputs (token ids, explained through the embedding Gather they feed); throws for others.</summary>
    public static void CheckExplainable(OnnxValueInfo input, string modelDescription)
    {
        if (!IsTokenIds(input.ElementType))
        {
            throw new LrpException($"The input '{input.Name}' of {modelDescription} has element type {input.ElementType}; only float inputs and integer token ids (Int64, Int32) can be explained.");
        }
    }

    /// <summary>True for the integer element types accepted as token ids.</summary>
    public static bool IsTokenIds(OnnxElementType type) => type is OnnxElementType.Int64 or OnnxElementType.Int32;

    /// <summary>
    /// Values for the explained input's variable dimensions: keyed <c>#axis</c> for the explained input itself and by
    /// symbolic name for the other inputs that share it. Empty when <paramref name="rowShape"/> is null.
    /// </summary>
    public static Dictionary<string, int> SymbolicDims(OnnxValueInfo input, IReadOnlyList<int>? rowShape, string modelDescription)
    {
        var dims = new Dictionary<string, int>(StringComparer.Ordinal);
        if (rowShape is null)
        {
            return dims;
        }

        if (input.Shape is null || input.Shape.Count != rowShape.Count + 1)
        {
            throw new LrpException($"LrpOptions.InputRowShape [{string.Join(", ", rowShape)}] does not fit the input '{input.Name}' of {modelDescription}, whose shape is [{(input.Shape is null ? "?" : string.Join(", ", input.Shape))}] (give every dimension but the batch).");
        }

        for (int a = 1; a < input.Shape.Count; a++)
        {
            int value = rowShape[a - 1];
            var declared = input.Shape[a];
            if (value <= 0 || (declared.Value is long fixedValue && fixedValue != value))
            {
                throw new LrpException($"LrpOptions.InputRowShape gives {value} for dimension {a} of the input '{input.Name}' of {modelDescription}, which is {declared}.");
            }

            dims[$"#{a}"] = value;
            if (declared.Param is { Length: > 0 } param)
            {
                dims[param] = value;
            }
        }

        return dims;
    }

    /// <summary>Token ids as the floats the relevance pass feeds (exact below <see cref="MaxExactId"/>).</summary>
    public static float[] ToFloats(ReadOnlySpan<long> ids, string inputName)
    {
        var result = new float[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] <= -MaxExactId || ids[i] >= MaxExactId)
            {
                throw new LrpException($"The token id {ids[i]} at element {i} of the input '{inputName}' is too large (ids up to {MaxExactId - 1} are supported).");
            }

            result[i] = ids[i];
        }

        return result;
    }
}
