using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.Lrp.Rules.OnnxMl;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp;

/// <summary>The fit-time data pass for rules that learn from data (<see cref="ICalibratedRule"/>: tree covers).</summary>
public sealed partial class LrpExplainer
{
    /// <summary>True when some rule of the plan learns from the rows the estimator is fit on.</summary>
    internal bool WantsCalibration => _plan.Steps.Any(s => s.Rule is ICalibratedRule);

    /// <summary>What calibrated tree rules learnt: covers per node name.</summary>
    internal Dictionary<string, long[]> CalibrationState()
        => _plan.Steps.Where(s => s.Rule is TreePathRule).ToDictionary(s => s.Node.Name, s => ((TreePathRule)s.Rule).Trees.Covers, StringComparer.Ordinal);

    /// <summary>Applies covers stored in the model's metadata (a saved, calibrated step); called once by the constructor.</summary>
    private void ApplyStoredCalibration()
    {
        if (!WantsCalibration || Options.ModelBytes is null)
        {
            return;
        }

        var stored = CalibrationMetadata.Read(Options.ModelBytes);
        foreach (var step in _plan.Steps)
        {
            if (step.Rule is TreePathRule tree && stored.TryGetValue(step.Node.Name, out var covers))
            {
                tree.Trees.SetCovers(covers);
            }
        }
    }

    /// <summary>
    /// Runs the model on <paramref name="rows"/> rows of the explained input (batch by batch) and hands every
    /// calibrated rule the activation at its node's first input; then fixes what they learnt. Call before
    /// <see cref="Explain"/> (not concurrently with it). Zero rows leaves the rules uncalibrated.
    /// </summary>
    internal void Calibrate(float[] input, int rows)
    {
        using var call = _calls.Enter(this);
        var steps = _plan.Steps.Where(s => s.Rule is ICalibratedRule).ToList();
        if (steps.Count == 0 || rows == 0)
        {
            return;
        }

        if (AdditionalInputs.Count > 0)
        {
            throw new LrpException($"Rules that learn from the fit data need the model's only input to be '{InputName}'; it also has {string.Join(", ", AdditionalInputs.Keys)}.");
        }

        int chunk = CanBatch ? Math.Max(Options.BatchSize, 256) : 1;
        for (int start = 0; start < rows; start += chunk)
        {
            int count = Math.Min(chunk, rows - start);
            var feed = new OrtTensor([count, .. InputShape], input.AsSpan(start * InputRowLength, count * InputRowLength).ToArray(), null);
            var results = RunModel(new Dictionary<string, OrtTensor>(StringComparer.Ordinal) { [InputName] = feed });
            foreach (var step in steps)
            {
                var name = step.Node.Inputs[0];
                var value = name == InputName ? feed : results[name];
                var data = value.Floats ?? value.Int64s!.Select(v => (float)v).ToArray();
                ((ICalibratedRule)step.Rule).Observe(new Tensor(value.Shape, data));
            }
        }

        foreach (var step in steps)
        {
            ((ICalibratedRule)step.Rule).EndCalibration();
        }
    }
}
