// Why does this document match this query? MiniLM (all-MiniLM-L6-v2) embeds a query and some documents; the
// cosine similarity of each document with the query is explained per document token with AttnLRP.
//
// The explained score is q̂ · ê(d): the mean-pooled, L2-normalised document embedding ê(d) (pooling appended to the
// ONNX graph by LrpPooling.AddMeanPooling) in the direction of the query's normalised embedding q̂
// (LrpTarget.Direction). Relevance then sums, over the document's tokens, to the cosine similarity minus what
// biases and stabilisers absorbed.
using System.Diagnostics;
using System.Globalization;
using ExplainSearch;
using Microsoft.ML.Lrp;
using Microsoft.ML.Lrp.Visualization;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
int sequenceLength = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 64;

string query = "How do I repair a flat bicycle tyre?";
string[] documents =
[
    "To fix a puncture, remove the tyre, find the hole in the inner tube and patch it.",
    "Our bakery sells fresh sourdough bread every morning.",
    "Bicycle maintenance: check the tyre pressure and oil the chain every month.",
    "The stock market fell sharply after the central bank raised interest rates.",
];

using var encoder = new MiniLmEncoder(sequenceLength);
var queryText = encoder.Encode(query);
var docs = documents.Select(encoder.Encode).ToArray();
float[] queryEmbedding = encoder.Embed([queryText])[0];

var options = new LrpOptions
{
    ModelBytes = encoder.PooledModel,
    InputColumnName = "input_ids",
    OutputName = MiniLmEncoder.EmbeddingOutput,
    Target = LrpTarget.Direction(queryEmbedding),
    Composite = LrpComposite.AttnLrp,
    InputRowShape = [sequenceLength],
    BatchSize = 8,
};

Console.WriteLine(LrpCoverage.Analyze(options));
using var explainer = new LrpExplainer(options);
var (ids, others) = MiniLmEncoder.Inputs(docs);
var watch = Stopwatch.StartNew();
var explanation = explainer.ExplainTokens(ids, docs.Length, additionalInputs: others);
watch.Stop();

Console.WriteLine($"Query: {query}");
Console.WriteLine($"Explained {docs.Length} documents (sequence {sequenceLength}) in {watch.ElapsedMilliseconds} ms on {explainer.ExecutionProvider}.");
Console.WriteLine();
var rows = new List<TokenHeatmapRow>();
foreach (int d in Enumerable.Range(0, docs.Length).OrderByDescending(d => explanation.Scores[d]))
{
    var doc = docs[d];
    float[] relevance = explanation.RelevanceOf(d)[..doc.Length].ToArray();
    double absorbedShare = explanation.SeedTotals[d] == 0 ? 0 : explanation.Absorbed[d] / explanation.SeedTotals[d];
    string caption = $"cosine {explanation.Scores[d]:0.000} | Σ token relevance {relevance.Sum():0.000} | absorbed {absorbedShare:P1} | {doc.Text}";
    Console.WriteLine(caption);
    Console.WriteLine("  " + TerminalHeatmap.Render(doc.Tokens, relevance));
    int top = Array.IndexOf(relevance, relevance.Max());
    Console.WriteLine($"  most relevant token: '{doc.Tokens[top]}' ({relevance[top]:+0.000})");
    Console.WriteLine();
    rows.Add(new TokenHeatmapRow(caption, doc.Tokens, relevance));
}

string outFolder = Path.Combine(ProjectFolder(), "out");
string htmlPath = Path.Combine(outFolder, "search.html");
TokenHeatmap.SaveHtml(htmlPath, rows, $"Why do these documents match \"{query}\"?");
Console.WriteLine($"HTML token heatmap: {htmlPath}");

static string ProjectFolder()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ExplainSearch.csproj")))
        {
            return dir.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
