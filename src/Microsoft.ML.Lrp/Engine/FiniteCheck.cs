using System.Numerics.Tensors;
using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// Finds NaN or ±∞ in the model's output and in relevance as it is propagated, so that a damaged model or an input
/// out of the model's range ends in an <see cref="LrpException"/> naming the first node where the values went
/// non-finite, instead of a silently NaN explanation. The test is a vectorised sum (finite only when every element
/// is), over data the pass reads anyway; the element-wise search runs only after it fails.
/// </summary>
internal static class FiniteCheck
{
    /// <summary>The index of the first NaN or ±∞ in <paramref name="data"/>; -1 when every element is finite.</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> data)
    {
        if (float.IsFinite(TensorPrimitives.Sum(data)))
        {
            return -1;
        }

        for (int i = 0; i < data.Length; i++)
        {
            if (!float.IsFinite(data[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Throws when the forward output of a chunk is not finite, naming the first relevance node whose captured output is not.</summary>
    public static void CheckOutput(CanonicalGraph graph, string outputName, ReadOnlySpan<float> output, int outputRowLength, int firstRow, IReadOnlyDictionary<string, OrtTensor> results)
    {
        int bad = FirstNonFinite(output);
        if (bad < 0)
        {
            return;
        }

        string where = $"the node that produces '{outputName}'";
        foreach (var node in graph.RelevanceNodes)
        {
            string? value = node.Outputs.FirstOrDefault(o => results.TryGetValue(o, out var t) && t.Floats is { } f && FirstNonFinite(f) >= 0);
            if (value is not null)
            {
                where = $"node '{node.Name}' ({node.OpType}), whose output '{value}' is the first captured value that holds one";
                break;
            }
        }

        throw new LrpException(
            $"The model's output '{outputName}' is {output[bad]} at element {bad % outputRowLength} of row {firstRow + (bad / outputRowLength)} although the input is finite; "
            + $"it first appears at {where}. LRP cannot explain a NaN or infinite output: check the model's weights and the input's range.");
    }

    /// <summary>Throws when relevance that <paramref name="node"/> sends to its input <paramref name="input"/> is not finite.</summary>
    public static void CheckRelevance(LrpNode node, string input, ReadOnlySpan<float> relevance)
    {
        int bad = FirstNonFinite(relevance);
        if (bad >= 0)
        {
            throw new LrpException(
                $"The relevance that node '{node.Name}' ({node.OpType}) sends to '{input}' is {relevance[bad]} at element {bad}: the rule divided by a value too close to zero or overflowed. "
                + "Check the model's weights, or raise LrpOptions.Epsilon.");
        }
    }
}
