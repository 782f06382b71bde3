namespace Microsoft.ML.Lrp;

/// <summary>
/// The framework-free core: loads an ONNX model, plans the relevance pass once, and explains batches of rows
/// (tensors in, relevance out). Thread-safe for concurrent <see cref="Explain"/> calls. Dispose to release the
/// ONNX Runtime session.
/// </summary>
public sealed partial class LrpExplainer : IDisposable
{
    /// <summary>The options this explainer was built with.</summary>
    public LrpOptions Options { get; }

    /// <summary>The explained ONNX input.</summary>
    public string InputName { get; private set; } = "";

    /// <summary>Dimensions of one input row (the ONNX input's shape without the batch dimension).</summary>
    public IReadOnlyList<int> InputShape { get; private set; } = [];

    /// <summary>Elements of one input row.</summary>
    public int InputRowLength { get; private set; }

    /// <summary>The explained ONNX output.</summary>
    public string OutputName { get; private set; } = "";

    /// <summary>Dimensions of one output row.</summary>
    public IReadOnlyList<int> OutputShape { get; private set; } = [];

    /// <summary>Elements of one output row.</summary>
    public int OutputRowLength { get; private set; }

    /// <summary>The model's other inputs (fed by the caller, carrying no relevance), with their per-row shapes.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<int>> AdditionalInputs { get; private set; } = new Dictionary<string, IReadOnlyList<int>>();

    /// <summary>The backend that runs the relevance pass.</summary>
    public string BackendName { get; private set; } = "";
}
