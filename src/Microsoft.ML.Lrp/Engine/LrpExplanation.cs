namespace Microsoft.ML.Lrp;

/// <summary>The result of explaining a batch of rows with <see cref="LrpExplainer.Explain"/>.</summary>
public sealed class LrpExplanation
{
    internal LrpExplanation(int rows, float[] output, int outputRowLength, float[] relevance, int inputRowLength, int[] targets, float[] scores, float[] seedTotals, float[] absorbed, LrpConservationReport? report)
    {
        Rows = rows;
        Output = output;
        OutputRowLength = outputRowLength;
        Relevance = relevance;
        InputRowLength = inputRowLength;
        Targets = targets;
        Scores = scores;
        SeedTotals = seedTotals;
        Absorbed = absorbed;
        ConservationReport = report;
    }

    /// <summary>Rows explained.</summary>
    public int Rows { get; }

    /// <summary>The explained output, <see cref="Rows"/> × <see cref="OutputRowLength"/>, row-major.</summary>
    public float[] Output { get; }

    /// <summary>Elements of one output row.</summary>
    public int OutputRowLength { get; }

    /// <summary>Relevance of the explained input, <see cref="Rows"/> × <see cref="InputRowLength"/>, row-major.</summary>
    public float[] Relevance { get; }

    /// <summary>Elements of one explained input row.</summary>
    public int InputRowLength { get; }

    /// <summary>Per row: the explained output index, or -1 for directions and all outputs.</summary>
    public int[] Targets { get; }

    /// <summary>Per row: the model's value at the target (for a direction, <c>w · output</c>).</summary>
    public float[] Scores { get; }

    /// <summary>Per row: the total relevance seeded at the output.</summary>
    public float[] SeedTotals { get; }

    /// <summary>Per row: the relevance absorbed by biases, constants and stabilisers on the way to the input.</summary>
    public float[] Absorbed { get; }

    /// <summary>The per-node conservation report, when it was requested.</summary>
    public LrpConservationReport? ConservationReport { get; }

    /// <summary>
    /// Per row, the elements of its input when rows have lengths of their own (a variable-length column explained by
    /// <c>ExplainWithLrp</c>): row r then holds <c>InputLengths[r]</c> values at offset <c>r × InputRowLength</c>,
    /// the rest of its stride unused. Null when every row has <see cref="InputRowLength"/> elements.
    /// </summary>
    internal int[]? InputLengths { get; init; }

    /// <summary>Per row, the elements of its output when rows have lengths of their own (as <see cref="InputLengths"/>).</summary>
    internal int[]? OutputLengths { get; init; }

    /// <summary>One row's relevance.</summary>
    public ReadOnlySpan<float> RelevanceOf(int row) => Relevance.AsSpan(row * InputRowLength, InputLengths?[row] ?? InputRowLength);

    /// <summary>One row's explained output.</summary>
    internal ReadOnlySpan<float> OutputOf(int row) => Output.AsSpan(row * OutputRowLength, OutputLengths?[row] ?? OutputRowLength);

    /// <summary>Per row: <c>Σ R_input + absorbed − seed</c>, zero up to float rounding when relevance is conserved.</summary>
    public double ConservationError(int row)
    {
        double sum = 0;
        foreach (float r in RelevanceOf(row))
        {
            sum += r;
        }

        return sum + Absorbed[row] - SeedTotals[row];
    }
}
