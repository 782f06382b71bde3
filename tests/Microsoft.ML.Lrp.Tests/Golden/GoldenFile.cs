using System.Text.Json;

namespace Microsoft.ML.Lrp.Tests.Golden;

/// <summary>
/// A golden file written by <c>make-golden.py</c>: an ONNX model made by PyTorch and, per case, an input, the
/// PyTorch output and the relevance that an independent library (Zennit 0.5.1 or LXT) computed for it in float64.
/// </summary>
internal sealed class GoldenFile
{
    private GoldenFile(string modelPath, int[] inputShape, bool tokenIds, string library, IReadOnlyList<GoldenCase> cases)
    {
        ModelPath = modelPath;
        InputShape = inputShape;
        TokenIds = tokenIds;
        Library = library;
        Cases = cases;
    }

    /// <summary>The ONNX file (batch dimension symbolic).</summary>
    public string ModelPath { get; }

    /// <summary>The shape of one input row.</summary>
    public int[] InputShape { get; }

    /// <summary>Whether the input is int64 token ids (relevance per token) rather than floats.</summary>
    public bool TokenIds { get; }

    /// <summary>Which library and code path made the relevance.</summary>
    public string Library { get; }

    /// <summary>The cases, in file order.</summary>
    public IReadOnlyList<GoldenCase> Cases { get; }

    /// <summary>Loads <c>Golden/&lt;name&gt;.json</c> from the test output folder.</summary>
    public static GoldenFile Load(string name)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Golden");
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, name + ".json")));
        var root = document.RootElement;
        var cases = root.GetProperty("cases").EnumerateArray().Select(ReadCase).ToList();
        return new GoldenFile(
            Path.Combine(folder, root.GetProperty("model").GetString()!),
            root.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            root.GetProperty("input_type").GetString() == "int64",
            root.GetProperty("library").GetString()!,
            cases);
    }

    /// <summary>The cases of one composite.</summary>
    public IReadOnlyList<GoldenCase> CasesOf(LrpComposite composite) => Cases.Where(c => c.Composite == composite).ToList();

    private static GoldenCase ReadCase(JsonElement e) => new()
    {
        Name = e.GetProperty("name").GetString()!,
        Composite = Enum.Parse<LrpComposite>(e.GetProperty("composite").GetString()!),
        Target = e.GetProperty("target").GetInt32(),
        Epsilon = e.GetProperty("epsilon").GetDouble(),
        Gamma = e.TryGetProperty("gamma", out var gamma) ? gamma.GetDouble() : 0.25,
        Lower = e.TryGetProperty("lower", out var lower) ? Doubles(lower) : null,
        Upper = e.TryGetProperty("upper", out var upper) ? Doubles(upper) : null,
        Input = Doubles(e.GetProperty("input")).Select(v => (double)(float)v).ToArray(), // float32 values (9 digits)
        Output = Doubles(e.GetProperty("output")),
        Relevance = Doubles(e.GetProperty("relevance")),
        Float32Deviation = e.GetProperty("float32_deviation").GetDouble(),
    };

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(v => v.GetDouble()).ToArray();
}
