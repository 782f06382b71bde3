// The coverage benchmark (issue 11): explains every model of the corpus that build-corpus.py writes.
//   /usr/bin/python3 tests/Microsoft.ML.Lrp.Coverage/build-corpus.py [--out DIR]
//   dotnet run -c Release --project tests/Microsoft.ML.Lrp.Coverage [-- --corpus DIR] [--only NAME]
// The corpus folder defaults to $LRP_COVERAGE_CORPUS, else ~/.cache/microsoft-ml-lrp/coverage. --only keeps the
// models whose name contains NAME (repeatable). Before the run, the ONNX Runtime-optimized copies (NAME_ortopt) of
// the models whose sidecar asks for one are written into the corpus folder, once (--no-ort-copies: not).
// Prints Markdown tables; exits 0 whatever the models do.
using System.Globalization;
using Microsoft.ML.Lrp.Coverage;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string corpus = Environment.GetEnvironmentVariable("LRP_COVERAGE_CORPUS") is { Length: > 0 } fromEnv
    ? fromEnv
    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "microsoft-ml-lrp", "coverage");
var only = new List<string>();
bool ortCopies = true;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--corpus" when i + 1 < args.Length:
            corpus = args[++i];
            break;
        case "--no-ort-copies":
            ortCopies = false;
            break;
        case "--only" when i + 1 < args.Length:
            only.Add(args[++i]);
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: [--corpus DIR] [--only NAME]... [--no-ort-copies]");
            return 2;
    }
}

if (!Directory.Exists(corpus))
{
    Console.Error.WriteLine($"The corpus folder '{corpus}' does not exist: build it with /usr/bin/python3 tests/Microsoft.ML.Lrp.Coverage/build-corpus.py --out '{corpus}'.");
    return 2;
}

if (ortCopies)
{
    foreach (string line in OrtOptimizedCopies.Write(corpus))
    {
        Console.Error.WriteLine(line);
    }
}

var entries = Directory.GetFiles(corpus, "*.json").Order(StringComparer.Ordinal)
    .Select(CorpusEntry.Read)
    .Where(e => only.Count == 0 || only.Any(o => e.Name.Contains(o, StringComparison.OrdinalIgnoreCase)))
    .ToList();
if (entries.Count == 0)
{
    Console.Error.WriteLine($"No model sidecars (*.json) in '{corpus}'{(only.Count > 0 ? $" whose name contains {string.Join(" or ", only)}" : "")}.");
    return 2;
}

Console.WriteLine($"Corpus: {corpus} ({entries.Count} models). Explained = finite, non-zero relevance with conservation error ≤ {ModelResult.ConservationTolerance:G}.");
Console.WriteLine();
var results = new List<ModelResult>();
ReportWriter.PerModelHeader(Console.Out);
foreach (var entry in entries)
{
    var result = ModelRunner.Run(entry);
    results.Add(result);
    ReportWriter.PerModelRow(Console.Out, result);
}

ReportWriter.Totals(Console.Out, results);
ReportWriter.PerFamily(Console.Out, results);
ReportWriter.UnsupportedOps(Console.Out, results);
return 0;
