namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// Checks the values of <see cref="LrpOptions"/> that would otherwise give silently wrong relevance (a NaN or negative
/// ε, non-finite direction weights or bounds, a lower bound above the upper one, an enum value outside its type) or an
/// untyped exception later. Each failure is an <see cref="ArgumentException"/> naming the option.
/// </summary>
internal static class LrpOptionsValidation
{
    public static void Validate(LrpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Target is null)
        {
            throw new ArgumentException("LrpOptions.Target is null; set a target (LrpTarget.PredictedClass by default).", nameof(options));
        }

        if (!float.IsFinite(options.Epsilon) || options.Epsilon < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Epsilon, "LrpOptions.Epsilon must be a finite number ≥ 0 (the stabiliser of every rule).");
        }

        if (!float.IsFinite(options.Gamma) || options.Gamma < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Gamma, "LrpOptions.Gamma must be a finite number ≥ 0.");
        }

        if (options.BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "LrpOptions.BatchSize must be at least 1.");
        }

        CheckDefined(options.Composite, nameof(LrpOptions.Composite));
        CheckDefined(options.CapturePolicy, nameof(LrpOptions.CapturePolicy));
        CheckDefined(options.OutputSeed, nameof(LrpOptions.OutputSeed));
        CheckDefined(options.Target.Kind, "Target.Kind");
        if (options.Target.DirectionWeights is { } weights && weights.Any(w => !float.IsFinite(w)))
        {
            throw new ArgumentException("The direction of LrpOptions.Target has a NaN or infinite weight; every weight must be finite.", nameof(options));
        }

        CheckBounds(options.InputLowerBound, options.InputUpperBound);
        foreach (var (key, rule) in options.RuleOverrides ?? new Dictionary<string, LrpRule>())
        {
            if (rule is null)
            {
                throw new ArgumentException($"LrpOptions.RuleOverrides['{key}'] is null; every override needs a rule.", nameof(options));
            }
        }
    }

    /// <summary>Rejects a batch that cannot be held in one array (<paramref name="rowLength"/> elements a row).</summary>
    public static void ValidateBatch(LrpOptions options, int rowLength)
    {
        if ((long)options.BatchSize * Math.Max(1, rowLength) > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.BatchSize, $"LrpOptions.BatchSize × {rowLength} elements a row exceeds what one array can hold ({Array.MaxLength}); use a smaller batch.");
        }
    }

    private static void CheckDefined<T>(T value, string option)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new ArgumentOutOfRangeException(nameof(LrpOptions), value, $"LrpOptions.{option} = {value} is not a value of {typeof(T).Name} ({string.Join(", ", Enum.GetNames<T>())}).");
        }
    }

    private static void CheckBounds(float[]? low, float[]? high)
    {
        foreach (var (bound, name) in new[] { (low, nameof(LrpOptions.InputLowerBound)), (high, nameof(LrpOptions.InputUpperBound)) })
        {
            if (bound is not null && bound.Any(v => !float.IsFinite(v)))
            {
                throw new ArgumentException($"LrpOptions.{name} has a NaN or infinite value; bounds must be finite.", nameof(LrpOptions));
            }
        }

        if (low is null || high is null)
        {
            return;
        }

        int n = Math.Max(low.Length, high.Length);
        for (int i = 0; i < n; i++)
        {
            if ((low.Length == 1 || high.Length == 1 || low.Length == high.Length) && low[low.Length == 1 ? 0 : i] > high[high.Length == 1 ? 0 : i])
            {
                throw new ArgumentException(
                    $"LrpOptions.InputLowerBound ({low[low.Length == 1 ? 0 : i]}) is above LrpOptions.InputUpperBound ({high[high.Length == 1 ? 0 : i]}) at element {i}.", nameof(LrpOptions));
            }
        }
    }
}
