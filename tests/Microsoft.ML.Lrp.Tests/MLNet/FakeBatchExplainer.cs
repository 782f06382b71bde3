using Microsoft.ML.Lrp.MLNet;

namespace Microsoft.ML.Lrp.Tests.MLNet;

/// <summary>
/// A stand-in for the engine: relevance = 2·input, output[j] = (j + 1)·Σ input, target = the given index, the
/// options' class, or the arg-max; score = output[target]. Records every call.
/// </summary>
internal sealed class FakeBatchExplainer : IBatchExplainer
{
    private readonly LrpOptions _options;

    public FakeBatchExplainer(LrpOptions options, int inputRowLength = 4, int outputRowLength = 3, Dictionary<string, IReadOnlyList<int>>? additionalInputs = null)
    {
        _options = options;
        InputRowLength = inputRowLength;
        OutputRowLength = outputRowLength;
        AdditionalInputs = additionalInputs ?? [];
    }

    public string InputName => _options.InputColumnName ?? "input";

    public IReadOnlyList<int> InputShape => [InputRowLength];

    public int InputRowLength { get; }

    public string OutputName => _options.OutputName ?? "output";

    public IReadOnlyList<int> OutputShape => [OutputRowLength];

    public int OutputRowLength { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<int>> AdditionalInputs { get; }

    public LrpPlanStatistics Statistics { get; } = new() { Nodes = 7, RelevanceNodes = 5 };

    public string BackendName => "Fake";

    public List<int> RowsPerCall { get; } = [];

    public List<IReadOnlyList<int>?> TargetsPerCall { get; } = [];

    public List<IReadOnlyDictionary<string, Array>?> AdditionalInputsPerCall { get; } = [];

    public bool IsDisposed { get; private set; }

    public int ExplainCalls => RowsPerCall.Count;

    public LrpExplanation Explain(float[] input, int rows, IReadOnlyList<int>? targets, IReadOnlyDictionary<string, Array>? additionalInputs)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        Assert.AreEqual(rows * InputRowLength, input.Length);
        RowsPerCall.Add(rows);
        TargetsPerCall.Add(targets?.ToArray());
        AdditionalInputsPerCall.Add(additionalInputs?.ToDictionary(p => p.Key, p => (Array)p.Value.Clone()));
        var output = new float[rows * OutputRowLength];
        var relevance = new float[rows * InputRowLength];
        var chosen = new int[rows];
        var scores = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            float sum = 0;
            for (int i = 0; i < InputRowLength; i++)
            {
                sum += input[r * InputRowLength + i];
                relevance[r * InputRowLength + i] = 2 * input[r * InputRowLength + i];
            }

            int best = 0;
            for (int j = 0; j < OutputRowLength; j++)
            {
                output[r * OutputRowLength + j] = (j + 1) * sum;
                best = output[r * OutputRowLength + j] > output[r * OutputRowLength + best] ? j : best;
            }

            chosen[r] = targets?[r] ?? (_options.Target.Kind == LrpTargetKind.Class ? _options.Target.ClassIndex : best);
            scores[r] = output[r * OutputRowLength + chosen[r]];
        }

        return new LrpExplanation(rows, output, OutputRowLength, relevance, InputRowLength, chosen, scores, scores, new float[rows], null);
    }

    public void Dispose() => IsDisposed = true;
}
