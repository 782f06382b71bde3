namespace Microsoft.ML.Lrp;

/// <summary>
/// The perturbation curves of <see cref="LrpEvaluation"/>'s pixel flipping: per row, the explained score after each
/// step when the most relevant regions are perturbed first (MoRF) and when the least relevant are (LeRF), and the
/// area between the two curves (ABPC).
/// </summary>
/// <remarks>
/// Point 0 of every curve is the unperturbed input; point k the input after k steps. With
/// <see cref="LrpPixelFlippingOptions.NormalizeByInitialScore"/> (the default) each row's points are divided by
/// <c>|f(x)|</c>, so the curves start at ±1. The ABPC of a row is the trapezoid-rule area between its curves over the
/// steps mapped to [0, 1]: <c>ABPC = (1/K) Σ_{k=0}^{K−1} ((L_k − M_k) + (L_{k+1} − M_{k+1})) / 2</c> with <c>K</c> steps,
/// MoRF curve <c>M</c> and LeRF curve <c>L</c>. It is large when the explanation puts the evidence first (the score
/// falls fast under MoRF and slowly under LeRF), about 0 for a random ordering, and negative when the explanation
/// points the wrong way.
/// </remarks>
public sealed class LrpPixelFlippingResult
{
    private readonly double[][] _morf;
    private readonly double[][] _lerf;
    private readonly double[] _abpc;

    internal LrpPixelFlippingResult(double[][] morf, double[][] lerf, double[] initialScores, double[] fractions, int regions)
    {
        _morf = morf;
        _lerf = lerf;
        InitialScores = initialScores;
        FractionPerturbed = fractions;
        Regions = regions;
        Steps = fractions.Length - 1;
        _abpc = new double[morf.Length];
        for (int r = 0; r < morf.Length; r++)
        {
            _abpc[r] = AreaBetween(lerf[r], morf[r]);
        }

        MeanMostRelevantFirst = Mean(morf);
        MeanLeastRelevantFirst = Mean(lerf);
        MeanAbpc = morf.Length == 0 ? 0 : _abpc.Average();
    }

    /// <summary>Rows evaluated.</summary>
    public int Rows => _morf.Length;

    /// <summary>Perturbation steps (each curve has <c>Steps + 1</c> points).</summary>
    public int Steps { get; }

    /// <summary>Regions one row was divided into.</summary>
    public int Regions { get; }

    /// <summary>Per point: the fraction of the row's regions perturbed (0 at point 0).</summary>
    public IReadOnlyList<double> FractionPerturbed { get; }

    /// <summary>Per row: the explained score of the unperturbed input, in the model's units (what the curves are divided by, in absolute value).</summary>
    public IReadOnlyList<double> InitialScores { get; }

    /// <summary>Per row: the area between the LeRF and the MoRF curve (see the remarks).</summary>
    public IReadOnlyList<double> Abpc => _abpc;

    /// <summary>The mean of <see cref="Abpc"/> over the rows.</summary>
    public double MeanAbpc { get; }

    /// <summary>The MoRF curve averaged over the rows, point by point.</summary>
    public IReadOnlyList<double> MeanMostRelevantFirst { get; }

    /// <summary>The LeRF curve averaged over the rows, point by point.</summary>
    public IReadOnlyList<double> MeanLeastRelevantFirst { get; }

    /// <summary>One row's MoRF curve (most relevant regions perturbed first), <see cref="Steps"/> + 1 points.</summary>
    public IReadOnlyList<double> MostRelevantFirst(int row) => _morf[row];

    /// <summary>One row's LeRF curve (least relevant regions perturbed first), <see cref="Steps"/> + 1 points.</summary>
    public IReadOnlyList<double> LeastRelevantFirst(int row) => _lerf[row];

    /// <summary>
    /// The rows of several results as one (for rows explained by different explainers, such as one direction per
    /// photo), so that the means and <see cref="LrpEvaluation.SaveCurvesPng"/> cover them all.
    /// </summary>
    /// <exception cref="ArgumentException">The results differ in their steps or regions.</exception>
    public static LrpPixelFlippingResult Combine(IEnumerable<LrpPixelFlippingResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var list = results.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("Give at least one result to combine.", nameof(results));
        }

        var first = list[0];
        if (list.Any(r => r is null || r.Regions != first.Regions || !r.FractionPerturbed.SequenceEqual(first.FractionPerturbed)))
        {
            throw new ArgumentException("Only results with the same regions and steps (the same LrpPixelFlippingOptions on the same input shape) can be combined.", nameof(results));
        }

        return new LrpPixelFlippingResult(
            list.SelectMany(r => r._morf).ToArray(),
            list.SelectMany(r => r._lerf).ToArray(),
            list.SelectMany(r => r.InitialScores).ToArray(),
            first.FractionPerturbed.ToArray(),
            first.Regions);
    }

    /// <summary>The trapezoid-rule area of <c>upper − lower</c> over the points spread evenly on [0, 1].</summary>
    internal static double AreaBetween(IReadOnlyList<double> upper, IReadOnlyList<double> lower)
    {
        int steps = upper.Count - 1;
        if (steps <= 0)
        {
            return 0;
        }

        double area = 0;
        for (int k = 0; k < steps; k++)
        {
            area += ((upper[k] - lower[k]) + (upper[k + 1] - lower[k + 1])) / 2;
        }

        return area / steps;
    }

    private static double[] Mean(double[][] curves)
    {
        if (curves.Length == 0)
        {
            return [];
        }

        var mean = new double[curves[0].Length];
        foreach (var curve in curves)
        {
            for (int k = 0; k < mean.Length; k++)
            {
                mean[k] += curve[k] / curves.Length;
            }
        }

        return mean;
    }
}
