namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary><c>--list-captures</c>: ResNet18's captured tensors under each policy, with the node that produces each and its bytes per sample.</summary>
internal static class CaptureList
{
    public static int Print(string resNetFile, string resNetInput)
    {
        foreach (var policy in new[] { LrpCapturePolicy.CaptureAll, LrpCapturePolicy.MinimizeMemory })
        {
            using var explainer = new LrpExplainer(new LrpOptions { ModelFile = resNetFile, InputColumnName = resNetInput, BatchSize = 8, CapturePolicy = policy });
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
