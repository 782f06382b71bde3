namespace Microsoft.ML.Lrp;

public sealed partial class LrpExplainer
{
    /// <summary>Loads the model named by <paramref name="options"/>, checks every node has a rule, and plans the pass.</summary>
    public LrpExplainer(LrpOptions options)
    {
        Options = options;
        throw new NotImplementedException("engine under construction");
    }

    /// <summary>Statistics of the relevance plan.</summary>
    public LrpPlanStatistics Statistics => throw new NotImplementedException();

    /// <summary>
    /// Explains <paramref name="rows"/> rows of the explained input (row-major, <see cref="InputRowLength"/> each).
    /// <paramref name="targets"/> gives one output index per row for <see cref="LrpTargetKind.FromColumn"/>;
    /// <paramref name="additionalInputs"/> feeds the model's other inputs (float[], long[] or int[] arrays, rows ×
    /// their row length).
    /// </summary>
    public LrpExplanation Explain(float[] input, int rows, IReadOnlyList<int>? targets = null, IReadOnlyDictionary<string, Array>? additionalInputs = null, bool conservationReport = false)
        => throw new NotImplementedException();

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
    }
}
