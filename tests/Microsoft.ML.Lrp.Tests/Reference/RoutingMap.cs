namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// A data-movement op written out element by element: output element o copies element <c>Index[o]</c> of operand
/// <c>Operand[o]</c>, or is <see cref="Constant"/> where the operand is −1 (padding). Its adjoint routes relevance
/// back and sums it where an element was copied more than once (broadcasts, edge padding, repeated gathers).
/// </summary>
internal sealed class RoutingMap
{
    /// <summary>Creates a map.</summary>
    public RoutingMap(int[] shape, int[] operand, int[] index, double constant = 0)
    {
        Shape = shape;
        Operand = operand;
        Index = index;
        Constant = constant;
    }

    /// <summary>The output shape.</summary>
    public int[] Shape { get; }

    /// <summary>The source operand of each output element (−1: the constant).</summary>
    public int[] Operand { get; }

    /// <summary>The flat index in the source operand of each output element.</summary>
    public int[] Index { get; }

    /// <summary>The value of elements without a source.</summary>
    public double Constant { get; }

    /// <summary>A map that copies operand 0 element by element into a new shape.</summary>
    public static RoutingMap Identity(int[] shape)
    {
        int size = ReferenceTensor.SizeOf(shape);
        return new RoutingMap(shape, new int[size], Enumerable.Range(0, size).ToArray());
    }

    /// <summary>The forward data movement.</summary>
    public ReferenceTensor Forward(IReadOnlyList<ReferenceTensor?> operands)
    {
        var data = new double[Operand.Length];
        for (int o = 0; o < data.Length; o++)
        {
            data[o] = Operand[o] < 0 ? Constant : operands[Operand[o]]!.Data[Index[o]];
        }

        return new ReferenceTensor(Shape, data);
    }

    /// <summary>Adds the adjoint of <paramref name="relevance"/> into each operand's relevance array (null ones are skipped).</summary>
    public void Adjoint(double[] relevance, IReadOnlyList<double[]?> operandRelevance)
    {
        for (int o = 0; o < relevance.Length; o++)
        {
            if (Operand[o] >= 0 && operandRelevance[Operand[o]] is { } target)
            {
                target[Index[o]] += relevance[o];
            }
        }
    }
}
