namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// <c>--list-captures [--minilm | --gamma]</c>: ResNet18's (or MiniLM's) captured tensors under each policy, with the
/// node that produces each, its bytes per sample and the rules that read it; <c>--gamma</c>: ResNet18 under
/// EpsilonGammaBox (bounds ±128) instead of the default composite.
/// </summary>
internal static class CaptureList
{
    public static int Print(string resNetFile, string resNetInput, bool miniLm, bool gamma = false)
    {
        foreach (var policy in new[] { LrpCapturePolicy.CaptureAll, LrpCapturePolicy.MinimizeMemory })
        {
            var options = miniLm
                ? new LrpOptions
                {
                    ModelBytes = LrpPooling.AddMeanPooling(ExplainSearch.MiniLmPackage.ReadModel(), outputName: "sentence_embedding"),
                    InputColumnName = "input_ids",
                    OutputName = "sentence_embedding",
                    Target = LrpTarget.Direction(new float[384]),
                    Composite = LrpComposite.AttnLrp,
                    InputRowShape = [MiniLmBenchmark.Sequence],
                    CapturePolicy = policy,
                }
                : new LrpOptions { ModelFile = resNetFile, InputColumnName = resNetInput, BatchSize = 8, CapturePolicy = policy };
            if (gamma && !miniLm)
            {
                options = options with { Composite = LrpComposite.EpsilonGammaBox, InputLowerBound = [-128f], InputUpperBound = [128f] };
            }

            using var explainer = new LrpExplainer(options);
            var plan = explainer.Plan;
            Console.WriteLine($"## {policy}: {explainer.Statistics.CapturedBytesPerSample:N0} bytes/sample");
            foreach (var name in plan.Schedule.Captures)
            {
                var producer = plan.Producer(name);
                long bytes = Promises.ScheduleBuilder.BytesPerRow(plan.Shapes, name);
                var readers = plan.Steps.Where(s => s.Rule.RequiredValues(s.Node).Contains(name)).Select(s => $"{s.Node.OpType}:{s.Rule.Description}");
                Console.WriteLine($"{bytes,10:N0}  {name} <- {producer?.OpType} ({producer?.Name}); read by {string.Join(", ", readers)}");
            }

            Console.WriteLine($"promised: {string.Join(", ", plan.Schedule.Promised)}");
        }

        return 0;
    }
}
