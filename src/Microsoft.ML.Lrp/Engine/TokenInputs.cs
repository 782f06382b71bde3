using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// Explained inputs that are integer token ids (variable input dimensions, such as a transformer's sequence length,
/// are resolved by <see cref="InputShapeResolver"/>).
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
    /// True for an input named like an attention mask (<c>attention_mask</c>): the made-up rows that learn a model's
    /// shapes feed it ones, and a variable-length column pads it with zeros.
    /// </summary>
    public static bool IsAttentionMask(string inputName) => inputName.Contains("mask", StringComparison.OrdinalIgnoreCase);

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
