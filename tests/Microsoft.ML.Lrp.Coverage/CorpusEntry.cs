using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Lrp.Coverage;

/// <summary>
/// One model of the corpus, as its sidecar JSON (written by build-corpus.py beside the .onnx file) describes it:
/// which input is explained, how to feed every input, which output to explain and which families the model stands for.
/// </summary>
internal sealed class CorpusEntry
{
    /// <summary>The model's name (the file name without extension).</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>The ONNX file, relative to the sidecar's folder.</summary>
    [JsonPropertyName("model")]
    public string Model { get; init; } = "";

    /// <summary>Family tags (<c>cnn</c>, <c>segmentation</c>, <c>recurrent</c>, ...): the per-family table groups by them.</summary>
    [JsonPropertyName("families")]
    public string[] Families { get; init; } = [];

    /// <summary>The explained input.</summary>
    [JsonPropertyName("explain")]
    public string Explain { get; init; } = "";

    /// <summary>The explained output.</summary>
    [JsonPropertyName("output")]
    public string Output { get; init; } = "";

    /// <summary>An <see cref="LrpComposite"/> name: AttnLrp for transformers, EpsilonPlusFlat otherwise.</summary>
    [JsonPropertyName("composite")]
    public string Composite { get; init; } = nameof(LrpComposite.EpsilonPlusFlat);

    /// <summary>Rows explained in one call.</summary>
    [JsonPropertyName("rows")]
    public int Rows { get; init; } = 2;

    /// <summary>Every model input, the explained one included.</summary>
    [JsonPropertyName("inputs")]
    public CorpusInput[] Inputs { get; init; } = [];

    /// <summary>
    /// Op types that must be on the relevance path (a Loop, If, LSTM, Resize...): checked in the explainer's per-node
    /// report, so that a model explained through its other paths only, with the op skipped, does not pass.
    /// </summary>
    [JsonPropertyName("expect_on_path")]
    public string[] ExpectOnPath { get; init; } = [];

    /// <summary>What the exporter had to do differently, if anything (shown in the table's notes).</summary>
    [JsonPropertyName("note")]
    public string? Note { get; init; }

    /// <summary>The sidecar's folder (set after reading).</summary>
    [JsonIgnore]
    public string Folder { get; private set; } = "";

    /// <summary>The ONNX file's full path.</summary>
    [JsonIgnore]
    public string ModelPath => Path.Combine(Folder, Model);

    /// <summary>The explained input's description.</summary>
    [JsonIgnore]
    public CorpusInput ExplainedInput => Inputs.FirstOrDefault(i => i.Name == Explain)
        ?? throw new InvalidDataException($"The sidecar of '{Name}' does not describe its explained input '{Explain}'.");

    /// <summary>Reads one sidecar file.</summary>
    public static CorpusEntry Read(string sidecarPath)
    {
        var entry = JsonSerializer.Deserialize<CorpusEntry>(File.ReadAllText(sidecarPath))
            ?? throw new InvalidDataException($"The sidecar '{sidecarPath}' is empty.");
        entry.Folder = Path.GetDirectoryName(Path.GetFullPath(sidecarPath))!;
        return entry;
    }
}
