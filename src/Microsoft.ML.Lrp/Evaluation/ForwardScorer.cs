using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Evaluation;

/// <summary>
/// Re-scores perturbed inputs with ONNX Runtime: one session over the explainer's model (as the explainer loaded it,
/// without the capture outputs), run in chunks of <see cref="LrpOptions.BatchSize"/> rows (one row at a time when the
/// explainer cannot batch), and the explained score of each row read the way the explainer seeds it: the output at
/// the row's target index, <c>w · output</c> for a direction, <c>Σ output</c> for all outputs.
/// </summary>
internal sealed class ForwardScorer : IDisposable
{
    private readonly LrpExplainer _explainer;
    private readonly OrtRunner _runner;
    private readonly int _chunk;

    public ForwardScorer(LrpExplainer explainer)
    {
        _explainer = explainer;
        var options = explainer.Options;
        if (explainer.AdditionalInputs.Count > 0)
        {
            throw new LrpException($"Pixel flipping feeds only the explained input '{explainer.InputName}'; the model also needs {string.Join(", ", explainer.AdditionalInputs.Keys.Select(k => $"'{k}'"))}, which is not supported yet.");
        }

        if (explainer.InputElementType(explainer.InputName) is not (OnnxElementType.Float or OnnxElementType.Double or OnnxElementType.Float16))
        {
            throw new LrpException($"Pixel flipping perturbs float inputs; the explained input '{explainer.InputName}' has element type {explainer.InputElementType(explainer.InputName)} (token ids cannot be blurred or replaced by a constant).");
        }

        var model = options.ModelFile is not null ? OnnxModel.Load(options.ModelFile) : OnnxModel.Load(options.ModelBytes!);
        var input = model.Graph.Inputs.First(i => i.Name == explainer.InputName);
        bool batchFixedAtOne = input.Shape is { Count: > 0 } shape && shape[0].Value == 1;
        string description = options.ModelFile is not null ? $"the model '{options.ModelFile}'" : "the model bytes";
        _runner = new OrtRunner(OrtModel.From(model, new OnnxWriteOptions { MakeBatchDynamic = explainer.CanBatch && batchFixedAtOne }), options, description);
        _chunk = explainer.CanBatch ? Math.Max(1, options.BatchSize) : 1;
    }

    /// <summary>
    /// The target index of each row for class targets (−1 for directions and all outputs): <paramref name="targets"/>
    /// where given, else the fixed class, else (predicted class) the arg-max of the unperturbed output.
    /// </summary>
    public int[] ResolveTargets(float[] input, int rows, IReadOnlyList<int>? targets)
    {
        var target = _explainer.Options.Target;
        var resolved = new int[rows];
        if (target.Kind is LrpTargetKind.Direction or LrpTargetKind.AllOutputs)
        {
            Array.Fill(resolved, -1);
            return resolved;
        }

        if (targets is not null)
        {
            if (targets.Count < rows)
            {
                throw new ArgumentException($"Pixel flipping needs one target index per row: {rows} rows, {targets.Count} targets.", nameof(targets));
            }

            for (int r = 0; r < rows; r++)
            {
                resolved[r] = targets[r] >= 0 && targets[r] < _explainer.OutputRowLength
                    ? targets[r]
                    : throw new LrpException($"Target index {targets[r]} for row {r} is out of range: the output '{_explainer.OutputName}' has {_explainer.OutputRowLength} elements per row.");
            }

            return resolved;
        }

        switch (target.Kind)
        {
            case LrpTargetKind.Class:
                Array.Fill(resolved, target.ClassIndex);
                return resolved;
            case LrpTargetKind.PredictedClass:
                var output = Run(input, rows);
                for (int r = 0; r < rows; r++)
                {
                    resolved[r] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(output.AsSpan(r * _explainer.OutputRowLength, _explainer.OutputRowLength));
                }

                return resolved;
            default:
                throw new LrpException($"LrpTarget.FromColumn('{target.ColumnName}') needs one target index per row: pass the targets (for example LrpExplanation.Targets).");
        }
    }

    /// <summary>The explained score of each of <paramref name="rows"/> rows of <paramref name="input"/>; row i uses <paramref name="targetOf"/>(i).</summary>
    public double[] Score(float[] input, int rows, Func<int, int> targetOf)
    {
        var output = Run(input, rows);
        int length = _explainer.OutputRowLength;
        var target = _explainer.Options.Target;
        var scores = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = output.AsSpan(r * length, length);
            double score = 0;
            switch (target.Kind)
            {
                case LrpTargetKind.Direction:
                    var w = target.DirectionWeights!;
                    for (int i = 0; i < length; i++)
                    {
                        score += (double)row[i] * w[i];
                    }

                    break;
                case LrpTargetKind.AllOutputs:
                    foreach (float v in row)
                    {
                        score += v;
                    }

                    break;
                default:
                    score = row[targetOf(r)];
                    break;
            }

            scores[r] = score;
        }

        return scores;
    }

    private float[] Run(float[] input, int rows)
    {
        int inLen = _explainer.InputRowLength;
        int outLen = _explainer.OutputRowLength;
        var output = new float[rows * outLen];
        for (int start = 0; start < rows; start += _chunk)
        {
            int count = Math.Min(_chunk, rows - start);
            var feed = new OrtTensor([count, .. _explainer.InputShape], input.AsSpan(start * inLen, count * inLen).ToArray(), null);
            var results = _runner.Run(new Dictionary<string, OrtTensor>(StringComparer.Ordinal) { [_explainer.InputName] = feed }, [_explainer.OutputName]);
            var data = results[_explainer.OutputName].Floats
                ?? throw new LrpException($"The output '{_explainer.OutputName}' is not a float tensor and cannot be scored.");
            Array.Copy(data, 0, output, start * outLen, count * outLen);
        }

        return output;
    }

    public void Dispose() => _runner.Dispose();
}
