namespace Microsoft.ML.Lrp.Tests.Fuzz;

/// <summary>
/// Hostile models in CI: a few hundred seeded mutations of an MLP and a small CNN. Every outcome must be a finite
/// explanation or an <see cref="LrpException"/> with a message (the long run: the benchmark's <c>--fuzz N</c>).
/// </summary>
[TestClass]
public sealed class MutationFuzzTests
{
    [TestMethod]
    public void MutatedModels_EndInAFiniteResultOrATypedException()
    {
        var cases = FuzzRunner.Run(seed: 2026, count: 300).ToList();
        var defects = cases.Where(c => c.Outcome == FuzzOutcome.Defect).ToList();
        string report = string.Join(Environment.NewLine, defects.Take(15).Select(d => $"#{d.Index} {d.Seed} [{d.Mutation}] → {d.Detail}"));
        Assert.IsEmpty(defects, $"{defects.Count} of {cases.Count} mutated models ended in a defect:{Environment.NewLine}{report}");
        Assert.IsGreaterThan(0, cases.Count(c => c.Outcome == FuzzOutcome.Explained), "some mutations must still explain (the seeds are valid)");
        Assert.IsGreaterThan(0, cases.Count(c => c.Outcome == FuzzOutcome.Refused), "some mutations must be refused");
    }
}
