using Microsoft.ML.Lrp.Engine.Taps;

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

    /// <summary>
    /// Per row: <c>Σ R_input + absorbed + removed by conditions − seed</c>, zero up to float rounding when relevance
    /// is conserved.
    /// </summary>
    public double ConservationError(int row)
    {
        double sum = 0;
        foreach (float r in RelevanceOf(row))
        {
            sum += r;
        }

        return Taps is null ? sum + Absorbed[row] - SeedTotals[row] : sum + Absorbed[row] + RemovedByConditions[row] - SeedTotals[row];
    }

    /// <summary>
    /// Per row: the relevance that <see cref="LrpOptions.Conditions"/> removed (channels masked out, and relevance that
    /// went around a conditioned tensor); zeros without conditions.
    /// </summary>
    public float[] RemovedByConditions => _removed ??= new float[Rows];

    private float[]? _removed;

    /// <summary>
    /// The relevance that reached an intermediate tensor named in <see cref="LrpOptions.RelevanceOutputs"/>, for every
    /// row, in the tensor's row layout (the sum of what all its consumers passed to it; masked where it is conditioned).
    /// </summary>
    /// <exception cref="LrpException">The tensor was not requested.</exception>
    public LrpRelevanceTensor RelevanceAt(string tensorName)
    {
        ArgumentNullException.ThrowIfNull(tensorName);
        return (Taps ?? throw new LrpException($"No relevance was recorded at the tensor '{tensorName}': add it to LrpOptions.RelevanceOutputs.")).Tensor(tensorName);
    }

    /// <summary>
    /// The relevance of a weight or bias named in <see cref="LrpOptions.ParameterRelevance"/>, per row, in the
    /// initializer's layout; <see cref="LrpRelevanceTensor.Sum"/> gives the batch's total.
    /// </summary>
    /// <exception cref="LrpException">The parameter was not requested.</exception>
    public LrpRelevanceTensor ParameterRelevance(string initializer)
    {
        ArgumentNullException.ThrowIfNull(initializer);
        return (Taps ?? throw new LrpException($"No relevance was computed for the parameter '{initializer}': add it (or \"*\") to LrpOptions.ParameterRelevance.")).Parameter(initializer);
    }

    /// <summary>What the taps of <see cref="LrpOptions.RelevanceOutputs"/>, ParameterRelevance and Conditions collected; null without them.</summary>
    internal LrpTapResults? Taps { get; init; }

    internal float[] Removed { init => _removed = value; }
}
