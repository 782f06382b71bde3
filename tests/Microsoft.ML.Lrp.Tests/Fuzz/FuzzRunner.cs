namespace Microsoft.ML.Lrp.Tests.Fuzz;

/// <summary>The outcome of one mutated model: a finite explanation, a typed refusal, or a defect.</summary>
internal enum FuzzOutcome
{
    Explained,
    Refused,

    /// <summary>The explainer was built but its input row is too large to feed in a test (over 4 M elements).</summary>
    NotRun,
    Defect,
}

/// <summary>One case of the fuzz run.</summary>
internal sealed record FuzzCase(int Index, string Seed, string Mutation, FuzzOutcome Outcome, string Detail);

/// <summary>
/// Runs mutated models through <see cref="LrpExplainer"/>: every outcome must be an explanation with finite relevance,
/// or an <see cref="LrpException"/> with a message. Anything else (another exception type, non-finite relevance, an
/// empty message) is a defect.
/// </summary>
internal static class FuzzRunner
{
    public static IEnumerable<FuzzCase> Run(int seed, int count)
    {
        var seeds = new (string Name, byte[] Model)[] { ("mlp", FuzzModels.Mlp()), ("cnn", FuzzModels.Cnn()) };
        var mutator = new ModelMutator(seed);
        var inputs = new Random(seed + 1);
        for (int i = 0; i < count; i++)
        {
            var (name, model) = seeds[i % seeds.Length];
            var (mutated, mutation) = mutator.Mutate(model);
            var (outcome, detail) = RunOne(mutated, inputs);
            yield return new FuzzCase(i, name, mutation, outcome, detail);
        }
    }

    private static (FuzzOutcome, string) RunOne(byte[] model, Random inputs)
    {
        try
        {
            using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Target = LrpTarget.PredictedClass });
            const int rows = 2;
            if ((long)explainer.InputRowLength * rows > 1 << 22)
            {
                return (FuzzOutcome.NotRun, $"input row of {explainer.InputRowLength} elements");
            }

            var input = Enumerable.Range(0, rows * explainer.InputRowLength).Select(_ => (float)((inputs.NextDouble() * 2) - 1)).ToArray();
            var result = explainer.Explain(input, rows);
            if (result.Relevance.Any(v => !float.IsFinite(v)))
            {
                return (FuzzOutcome.Defect, "non-finite relevance without an error");
            }

            return (FuzzOutcome.Explained, $"{result.Relevance.Length} values");
        }
        catch (LrpException e) when (!string.IsNullOrWhiteSpace(e.Message))
        {
            return (FuzzOutcome.Refused, e.Message.Split('\n')[0]);
        }
        catch (Exception e)
        {
            var frames = (e.StackTrace ?? "").Split('\n').Select(f => f.Trim()).Where(f => f.Contains("Microsoft.ML.Lrp.", StringComparison.Ordinal)).Take(2);
            return (FuzzOutcome.Defect, $"{e.GetType().Name}: {e.Message.Split('\n')[0]} at {string.Join(" ← ", frames)}");
        }
    }
}
