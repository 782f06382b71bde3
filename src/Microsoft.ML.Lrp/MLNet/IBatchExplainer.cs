namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// What the ML.NET transformer needs from an explainer: the model's signature and one call per batch of rows.
/// <see cref="LrpExplainerAdapter"/> puts <see cref="LrpExplainer"/> behind it; tests put a fake behind it.
/// </summary>
internal interface IBatchExplainer : IDisposable
{
    /// <summary>The explained ONNX input (and the column it is read from).</summary>
    string InputName { get; }

    /// <summary>Dimensions of one input row.</summary>
    IReadOnlyList<int> InputShape { get; }

    /// <summary>Elements of one input row.</summary>
    int InputRowLength { get; }

    /// <summary>The explained ONNX output (and the column it is written to).</summary>
    string OutputName { get; }

    /// <summary>Dimensions of one output row.</summary>
    IReadOnlyList<int> OutputShape { get; }

    /// <summary>Elements of one output row.</summary>
    int OutputRowLength { get; }

    /// <summary>The model's other inputs, with their per-row shapes; each is read from the column of its name.</summary>
    IReadOnlyDictionary<string, IReadOnlyList<int>> AdditionalInputs { get; }

    /// <summary>The batch axis of each additional input; -1 for one fed once per batch (its row shape is the whole tensor).</summary>
    IReadOnlyDictionary<string, int> AdditionalInputBatchAxes => AdditionalInputs.ToDictionary(p => p.Key, _ => 0, StringComparer.Ordinal);

    /// <summary>
    /// True when rows have lengths of their own (a variable-length column): <see cref="InputRowLength"/> is then 0,
    /// and rows go through <see cref="VariableLength.IRaggedBatchExplainer.ExplainRagged"/>.
    /// </summary>
    bool VariableLength => false;

    /// <summary>The row shape of the relevance at a tensor of <see cref="LrpOptions.RelevanceOutputs"/>; null when unknown (the column is then a vector of unknown size).</summary>
    IReadOnlyList<int>? RelevanceRowShape(string tensorName) => null;

    /// <summary>Statistics of the relevance plan.</summary>
    LrpPlanStatistics Statistics { get; }

    /// <summary>The backend that runs the relevance pass.</summary>
    string BackendName { get; }

    /// <summary>
    /// Explains <paramref name="rows"/> rows: <paramref name="input"/> holds exactly
    /// <c>rows × InputRowLength</c> values; <paramref name="targets"/> (one per row) is given only for
    /// <see cref="LrpTargetKind.FromColumn"/>; each additional input array holds exactly <c>rows × its row length</c>.
    /// </summary>
    LrpExplanation Explain(float[] input, int rows, IReadOnlyList<int>? targets, IReadOnlyDictionary<string, Array>? additionalInputs);
}
