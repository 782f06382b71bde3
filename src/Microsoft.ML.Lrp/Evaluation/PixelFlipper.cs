namespace Microsoft.ML.Lrp.Evaluation;

/// <summary>
/// Runs pixel flipping: per row, orders the regions by summed attribution, perturbs them cumulatively in that order
/// (MoRF) and in the reverse order (LeRF), <see cref="LrpPixelFlippingOptions.RegionsPerStep"/> regions a step, and
/// re-scores every perturbed input with <see cref="ForwardScorer"/>.
/// </summary>
internal static class PixelFlipper
{
    public static LrpPixelFlippingResult Run(LrpExplainer explainer, float[] input, int rows, ReadOnlySpan<float> attribution, IReadOnlyList<int>? targets, LrpPixelFlippingOptions options)
    {
        ArgumentNullException.ThrowIfNull(explainer);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        int length = explainer.InputRowLength;
        if ((long)rows * length != input.Length)
        {
            throw new ArgumentException($"The input '{explainer.InputName}' needs {length} values per row; got {input.Length} values for {rows} rows.", nameof(input));
        }

        if (attribution.Length != input.Length)
        {
            throw new ArgumentException($"The attribution needs one value per input element ({input.Length}); got {attribution.Length}.", nameof(attribution));
        }

        var grid = new RegionGrid(explainer.InputShape, options.PatchSize);
        if (options.RegionsPerStep < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RegionsPerStep, "LrpPixelFlippingOptions.RegionsPerStep must be at least 1.");
        }

        int steps = options.Steps ?? (grid.Count + options.RegionsPerStep - 1) / options.RegionsPerStep;
        if (steps < 1 || (long)(steps - 1) * options.RegionsPerStep >= grid.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Steps,
                $"LrpPixelFlippingOptions.Steps must be between 1 and {(grid.Count + options.RegionsPerStep - 1) / options.RegionsPerStep}: a row has {grid.Count} regions of {options.PatchSize}×{options.PatchSize} and {options.RegionsPerStep} are perturbed per step.");
        }

        if (options.Replacement == LrpPerturbation.Constant && !float.IsFinite(options.ConstantValue))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ConstantValue, "LrpPixelFlippingOptions.ConstantValue must be finite.");
        }

        using var scorer = new ForwardScorer(explainer);
        int[] resolved = scorer.ResolveTargets(input, rows, targets);
        var initial = scorer.Score(input, rows, r => resolved[r]);
        var morf = new double[rows][];
        var lerf = new double[rows][];
        for (int r = 0; r < rows; r++)
        {
            var row = input.AsSpan(r * length, length);
            float[] replacement = options.Replacement == LrpPerturbation.Blur
                ? GaussianBlur.Apply(row, grid, options.BlurSigma)
                : Enumerable.Repeat(options.ConstantValue, length).ToArray();
            var sums = grid.RegionSums(attribution.Slice(r * length, length));
            var batch = new float[2 * steps * length];
            Perturb(row, replacement, grid, RegionGrid.Order(sums, mostRelevantFirst: true), options.RegionsPerStep, batch.AsSpan(0, steps * length));
            Perturb(row, replacement, grid, RegionGrid.Order(sums, mostRelevantFirst: false), options.RegionsPerStep, batch.AsSpan(steps * length));
            int target = resolved[r];
            var scores = scorer.Score(batch, 2 * steps, _ => target);
            double scale = options.NormalizeByInitialScore && initial[r] != 0 ? Math.Abs(initial[r]) : 1;
            morf[r] = [initial[r] / scale, .. scores.Take(steps).Select(s => s / scale)];
            lerf[r] = [initial[r] / scale, .. scores.Skip(steps).Select(s => s / scale)];
        }

        var fractions = Enumerable.Range(0, steps + 1).Select(k => Math.Min(grid.Count, (long)k * options.RegionsPerStep) / (double)grid.Count).ToArray();
        return new LrpPixelFlippingResult(morf, lerf, initial, fractions, grid.Count);
    }

    /// <summary>Writes the <c>k</c>-th perturbed copy of <paramref name="row"/> into slot k−1 of <paramref name="destination"/>.</summary>
    private static void Perturb(ReadOnlySpan<float> row, float[] replacement, RegionGrid grid, int[] order, int perStep, Span<float> destination)
    {
        int length = row.Length;
        int steps = destination.Length / length;
        var current = row.ToArray();
        int next = 0;
        for (int k = 0; k < steps; k++)
        {
            for (int i = 0; i < perStep && next < order.Length; i++, next++)
            {
                foreach (int e in grid.Members(order[next]))
                {
                    current[e] = replacement[e];
                }
            }

            current.CopyTo(destination.Slice(k * length, length));
        }
    }
}
