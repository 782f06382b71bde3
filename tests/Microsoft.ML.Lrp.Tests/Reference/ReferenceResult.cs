namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>What the reference computed, all in double.</summary>
internal sealed class ReferenceResult
{
    /// <summary>The explained output, flattened (all rows).</summary>
    public required double[] Output { get; init; }

    /// <summary>The shape of the explained output.</summary>
    public required int[] OutputShape { get; init; }

    /// <summary>Relevance per element of the explained input (all rows).</summary>
    public required double[] Relevance { get; init; }

    /// <summary>The sum of the output seed over all rows (the explained score for <see cref="LrpOutputSeed.Score"/>).</summary>
    public required double Seed { get; init; }

    /// <summary>The seed sum of each row.</summary>
    public required double[] RowSeeds { get; init; }

    /// <summary>The explained index of each row (−1 for a direction or all outputs).</summary>
    public required int[] Targets { get; init; }

    /// <summary>
    /// Relevance given explicitly to biases, constant operands of Add/Sub/Sum, constant parts of Concat and padding:
    /// <c>Seed ≈ Σ Relevance + Absorbed</c>, the rest being the stabiliser's leak and Gamma's <c>z = 0</c> drops.
    /// </summary>
    public required double Absorbed { get; init; }

    /// <summary>The relevance reaching every activation value of the graph, by value name.</summary>
    public required IReadOnlyDictionary<string, double[]> RelevanceByValue { get; init; }
}
