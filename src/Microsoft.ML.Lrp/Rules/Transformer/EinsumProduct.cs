using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// A two-operand Einsum at one pair of operand shapes as a batch of matrix products <c>[M, K] · [K, N]</c>: letters of
/// both operands and the output index the batch, letters of A (B) and the output the rows (columns), and every summed
/// letter is contracted (a letter of one operand only meets broadcast copies of the other). The operands are gathered
/// into that layout by index maps (a repeated letter walks its diagonal, a letter an operand lacks or holds at size 1
/// broadcasts), and the products map one to one onto the output. The maps depend on the shapes only: kept per batch
/// size and declared constant to the backend.
/// </summary>
internal sealed class EinsumProduct
{
    public EinsumProduct(EinsumEquation equation, int[] aShape, int[] bShape)
    {
        var letters = equation.Letters;
        var sizes = equation.Sizes(aShape, bShape);
        var outShape = equation.Output.Select(c => sizes[Array.IndexOf(letters, c)]).ToArray();
        var sa = equation.Strides(equation.A, aShape);
        var sb = equation.Strides(equation.B, bShape);
        var so = equation.Strides(equation.Output, outShape);
        int[] Of(Func<char, bool> keep, IEnumerable<char> order) => [.. order.Where(keep).Select(c => Array.IndexOf(letters, c))];
        bool InA(char c) => equation.A.Contains(c);
        bool InB(char c) => equation.B.Contains(c);
        var batch = Of(c => InA(c) && InB(c), equation.Output);
        var rows = Of(c => InA(c) && !InB(c), equation.Output);
        var columns = Of(c => !InA(c) && InB(c), equation.Output);
        var summed = Of(c => !equation.Output.Contains(c), letters);
        int Size(int[] group) => group.Aggregate(1, (p, l) => p * sizes[l]);
        int count = Size(batch), m = Size(rows), n = Size(columns), k = Size(summed);
        AMap = Map([.. batch, .. rows, .. summed], sizes, sa);
        BMap = Map([.. batch, .. summed, .. columns], sizes, sb);
        ProductToOutput = Map([.. batch, .. rows, .. columns], sizes, so);
        OutputToProduct = new int[ProductToOutput.Length];
        for (int p = 0; p < ProductToOutput.Length; p++)
        {
            OutputToProduct[ProductToOutput[p]] = p;
        }

        var offsets = new (int A, int B, int Out)[count];
        for (int i = 0; i < count; i++)
        {
            offsets[i] = (i * m * k, i * k * n, i * m * n);
        }

        Batch = new MatMulBatch(m, n, k, offsets, ADistinct: true, BDistinct: true);
    }

    /// <summary>The products: A gathered as <c>[batch, M, K]</c>, B as <c>[batch, K, N]</c>.</summary>
    public MatMulBatch Batch { get; }

    /// <summary>For each element of the gathered A, the element of A it copies (the adjoint sums the copies back).</summary>
    public int[] AMap { get; }

    /// <summary>For each element of the gathered B, the element of B it copies.</summary>
    public int[] BMap { get; }

    /// <summary>For each product element <c>[batch, M, N]</c>, its output element.</summary>
    public int[] ProductToOutput { get; }

    /// <summary>For each output element, its product element (the inverse of <see cref="ProductToOutput"/>).</summary>
    public int[] OutputToProduct { get; }

    /// <summary>The flat offset (by <paramref name="strides"/>) of every index of the letters <paramref name="order"/>, the last letter fastest.</summary>
    private static int[] Map(int[] order, int[] sizes, int[] strides)
    {
        int length = order.Aggregate(1, (p, l) => p * sizes[l]);
        var map = new int[length];
        var index = new int[order.Length];
        for (int i = 0; i < length; i++)
        {
            int offset = 0;
            for (int d = 0; d < order.Length; d++)
            {
                offset += index[d] * strides[order[d]];
            }

            map[i] = offset;
            for (int d = order.Length - 1; d >= 0; d--)
            {
                if (++index[d] < sizes[order[d]])
                {
                    break;
                }

                index[d] = 0;
            }
        }

        return map;
    }
}
