using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// The terms of a one-operand Einsum at one input shape: every letter occurs in the input, so each input element
/// enters at most one term, which adds it to output element <see cref="Target"/>[element] (−1 for an element off a
/// diagonal, which enters none). <see cref="KeptShape"/> is the input shape with the summed axes set to 1 when the
/// equation is a plain reduction (no diagonal, kept letters in input order), else null.
/// </summary>
internal sealed class EinsumTerms
{
    public EinsumTerms(EinsumEquation equation, int[] xShape)
    {
        Equation = equation;
        var sizes = equation.Sizes(xShape);
        var inStrides = equation.Strides(equation.A, xShape);
        var outShape = equation.Output.Select(c => sizes[Array.IndexOf(equation.Letters, c)]).ToArray();
        var outStrides = equation.Strides(equation.Output, outShape);
        int count = sizes.Aggregate(1, (p, d) => p * d);
        Target = new int[xShape.Aggregate(1, (p, d) => p * d)];
        Array.Fill(Target, -1);
        var index = new int[sizes.Length];
        for (int t = 0; t < count; t++)
        {
            int input = 0, output = 0;
            for (int l = 0; l < sizes.Length; l++)
            {
                input += index[l] * inStrides[l];
                output += index[l] * outStrides[l];
            }

            Target[input] = output;
            TensorShapes.Increment(index, sizes);
        }

        string kept = new(equation.A.Where(equation.Output.Contains).ToArray());
        if (equation.A.Distinct().Count() == equation.A.Length && kept == equation.Output)
        {
            KeptShape = equation.A.Select((c, d) => equation.Output.Contains(c) ? xShape[d] : 1).ToArray();
        }
    }

    /// <summary>The equation with its ellipsis expanded.</summary>
    public EinsumEquation Equation { get; }

    /// <summary>
    /// For each input element, the output element its term adds to, or −1 (an index map that depends on the shape
    /// only: kept per batch size and declared constant to the backend).
    /// </summary>
    public int[] Target { get; }

    /// <summary>The input shape with the summed axes set to 1, for a plain reduction; else null.</summary>
    public int[]? KeptShape { get; }
}
