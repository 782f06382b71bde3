using System.Globalization;

namespace Microsoft.ML.Lrp.Coverage;

/// <summary>Prints the benchmark's Markdown tables: per model, totals, per family, and the unsupported op types.</summary>
internal static class ReportWriter
{
    public static void PerModelHeader(TextWriter w)
    {
        w.WriteLine("| Model | Families | Nodes | Path nodes | Covered | Explained | Conservation error | s | First error |");
        w.WriteLine("|---|---|--:|--:|--:|:-:|--:|--:|---|");
    }

    public static void PerModelRow(TextWriter w, ModelResult r)
    {
        string nodes = r.Nodes < 0 ? "–" : Invariant($"{r.Nodes}");
        string path = r.Nodes < 0 ? "–" : Invariant($"{r.PathNodes}");
        string covered = r.Nodes < 0 ? "–" : Invariant($"{r.CoveredPathNodes}");
        string explained = r.Explained ? "yes" : r.Ran ? "ran, not valid" : "no";
        string conservation = double.IsNaN(r.ConservationError) ? "–" : Invariant($"{r.ConservationError:0.0e+0}");
        w.WriteLine(Invariant($"| {r.Entry.Name} | {string.Join(' ', r.Entry.Families)} | {nodes} | {path} | {covered} | {explained} | {conservation} | {r.Seconds:0.0} | {Cell(r, r.Failure)} |"));
    }

    public static void Totals(TextWriter w, IReadOnlyList<ModelResult> results)
    {
        long path = results.Sum(r => (long)r.PathNodes), covered = results.Sum(r => (long)r.CoveredPathNodes);
        w.WriteLine();
        int n = results.Count;
        w.WriteLine("| Models | Analysed | Coverage complete | Explained end to end | Both | Relevance-path nodes covered | Seconds |");
        w.WriteLine("|--:|--:|--:|--:|--:|--:|--:|");
        w.WriteLine(Invariant($"| {n} | {results.Count(r => r.Nodes >= 0)}/{n} | {results.Count(r => r.Complete)}/{n} | {results.Count(r => r.Explained)}/{n} | {results.Count(r => r.Complete && r.Explained)}/{n} | {covered}/{path} ({Percent(covered, path)}) | {results.Sum(r => r.Seconds):0} |"));
    }

    public static void PerFamily(TextWriter w, IReadOnlyList<ModelResult> results)
    {
        w.WriteLine();
        w.WriteLine("| Family | Models | Coverage complete | Explained | Failures (model: first error) |");
        w.WriteLine("|---|--:|--:|--:|---|");
        foreach (var family in results.SelectMany(r => r.Entry.Families).Distinct().Order(StringComparer.Ordinal))
        {
            var members = results.Where(r => r.Entry.Families.Contains(family)).ToList();
            var failures = members.Where(r => r.Failure is not null).Select(r => $"{r.Entry.Name}: {Cell(r, r.Failure)}");
            w.WriteLine(Invariant($"| {family} | {members.Count} | {members.Count(r => r.Complete)} | {members.Count(r => r.Explained)} | {string.Join("<br>", failures)} |"));
        }
    }

    public static void UnsupportedOps(TextWriter w, IReadOnlyList<ModelResult> results)
    {
        var ops = results.SelectMany(r => r.Unsupported.Select(kv => (Op: kv.Key, Nodes: kv.Value, Model: r.Entry.Name)))
            .GroupBy(t => t.Op)
            .OrderByDescending(g => g.Select(t => t.Model).Distinct().Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        w.WriteLine();
        w.WriteLine("| Unsupported on a relevance path (LrpCoverage) | Nodes | Models |");
        w.WriteLine("|---|--:|---|");
        foreach (var g in ops)
        {
            w.WriteLine(Invariant($"| {Escape(g.Key)} | {g.Sum(t => t.Nodes)} | {string.Join(", ", g.Select(t => t.Model).Distinct())} |"));
        }
    }

    /// <summary>covered/path as a percentage rounded down, so that "100.0 %" means every node.</summary>
    private static string Percent(long covered, long path)
        => Invariant($"{(path == 0 ? 1 : Math.Floor(1000.0 * covered / path) / 1000):P1}");

    private static string Cell(ModelResult r, string? text) =>
        text is null ? "" : Escape(text.Replace(r.Entry.Folder + Path.DirectorySeparatorChar, "", StringComparison.Ordinal));

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
