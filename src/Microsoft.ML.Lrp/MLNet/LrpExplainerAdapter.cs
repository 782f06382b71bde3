namespace Microsoft.ML.Lrp.MLNet;

/// <summary>Puts the framework-free <see cref="LrpExplainer"/> behind <see cref="IBatchExplainer"/>; owns it.</summary>
internal sealed class LrpExplainerAdapter : IBatchExplainer
{
    private readonly LrpExplainer _explainer;

    public LrpExplainerAdapter(LrpExplainer explainer) => _explainer = explainer;

    /// <summary>
    /// The factory the public API uses: loads and plans the model named by the options; when they leave one variable
    /// dimension of the explained input unfixed, one explainer per sequence length behind a
    /// <see cref="VariableLength.LrpVariableLengthExplainer"/>.
    /// </summary>
    public static Func<LrpOptions, IBatchExplainer> Factory { get; } = Create;

    private static IBatchExplainer Create(LrpOptions options)
    {
        try
        {
            return CreateFixed(options);
        }
        catch (LrpException)
        {
            // Only a model that the options cannot shape costs a second look: its one variable dimension comes per row.
            var variable = VariableLength.LrpVariableLengthExplainer.TryCreate(options, CreateFixed);
            if (variable is null)
            {
                throw;
            }

            return variable;
        }
    }

    private static IBatchExplainer CreateFixed(LrpOptions options) => new LrpExplainerAdapter(new LrpExplainer(options));

    /// <summary>The wrapped explainer (for the fit-time calibration pass).</summary>
    internal LrpExplainer Explainer => _explainer;

    public string InputName => _explainer.InputName;

    public IReadOnlyList<int> InputShape => _explainer.InputShape;

    public int InputRowLength => _explainer.InputRowLength;

    public string OutputName => _explainer.OutputName;

    public IReadOnlyList<int> OutputShape => _explainer.OutputShape;

    public int OutputRowLength => _explainer.OutputRowLength;

    public IReadOnlyDictionary<string, IReadOnlyList<int>> AdditionalInputs => _explainer.AdditionalInputs;

    public IReadOnlyDictionary<string, int> AdditionalInputBatchAxes => _explainer.AdditionalInputBatchAxes;

    public LrpPlanStatistics Statistics => _explainer.Statistics;

    public IReadOnlyList<int>? RelevanceRowShape(string tensorName) => _explainer.RelevanceRowShape(tensorName);

    public string BackendName => _explainer.BackendName;

    public LrpExplanation Explain(float[] input, int rows, IReadOnlyList<int>? targets, IReadOnlyDictionary<string, Array>? additionalInputs)
        => _explainer.Explain(input, rows, targets, additionalInputs);

    public void Dispose() => _explainer.Dispose();
}
