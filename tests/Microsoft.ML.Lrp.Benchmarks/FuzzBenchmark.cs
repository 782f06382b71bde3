using System.Diagnostics;
using Microsoft.ML.Lrp.Tests.Fuzz;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// The long mutation fuzz run (issue "Trust"): N seeded mutations of an MLP and a small CNN through
/// <see cref="LrpExplainer"/>, each outcome counted; a case running over 60 s is reported as a hang and ends the run.
/// </summary>
internal static class FuzzBenchmark
{
    public static int Run(string[] args)
    {
        int count = int.Parse(args.SkipWhile(a => a != "--fuzz").Skip(1).FirstOrDefault() ?? "3000");
        int seed = int.Parse(args.SkipWhile(a => a != "--seed").Skip(1).FirstOrDefault() ?? "2026");
        var counts = Enum.GetValues<FuzzOutcome>().ToDictionary(o => o, _ => 0);
        var defects = new List<FuzzCase>();
        var clock = Stopwatch.StartNew();
        using var cases = FuzzRunner.Run(seed, count).GetEnumerator();
        while (true)
        {
            var next = Task.Run(cases.MoveNext);
            if (!next.Wait(TimeSpan.FromSeconds(60)))
            {
                Console.WriteLine($"HANG after {counts.Values.Sum()} cases (a case ran over 60 s).");
                return 1;
            }

            if (!next.Result)
            {
                break;
            }

            counts[cases.Current.Outcome]++;
            if (cases.Current.Outcome == FuzzOutcome.Defect)
            {
                defects.Add(cases.Current);
            }
        }

        Console.WriteLine($"| Mutated models | Explained (finite) | Refused (LrpException) | Built, input too large to run | Defects | Seconds |");
        Console.WriteLine($"|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {count} | {counts[FuzzOutcome.Explained]} | {counts[FuzzOutcome.Refused]} | {counts[FuzzOutcome.NotRun]} | {counts[FuzzOutcome.Defect]} | {clock.Elapsed.TotalSeconds:F0} |");
        foreach (var d in defects.Take(40))
        {
            Console.WriteLine($"  #{d.Index} {d.Seed} [{d.Mutation}] → {d.Detail}");
        }

        return defects.Count == 0 ? 0 : 1;
    }
}
