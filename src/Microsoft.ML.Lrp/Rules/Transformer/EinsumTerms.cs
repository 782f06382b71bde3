using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// The terms of a one-operand Einsum at one input shape: term <c>t</c> adds input element <see cref="Input"/>[t] to
/// output element <see cref="Output"/>[t]. <see cref="KeptShape"/> is the input shape with the summed axes set to 1
/// when the equation is a plain reduction (no diagonal, kept letters in input order), else null.
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
        Count = sizes.Aggregate(1, (p, d) => p * d);
        Input = new int[Count];
        Output = new int[Count];
        var index = new int[sizes.Length];
        for (int t = 0; t < Count; t++)
        {
            for (int l = 0; l < sizes.Length; l++)
            {
                Input[t] += index[l] * inStrides[l];
                Output[t] += index[l] * outStrides[l];
            }

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

    /// <summary>The number of terms (the product of all letter sizes).</summary>
    public int Count { get; }

    /// <summary>The input element of each term.</summary>
    public int[] Input { get; }

    /// <summary>The output element of each term.</summary>
    public int[] Output { get; }

    /// <summary>The input shape with the summed axes set to 1, for a plain reduction; else null.</summary>
    public int[]? KeptShape { get; }
}
