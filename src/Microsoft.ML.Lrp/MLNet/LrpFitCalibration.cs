using Microsoft.ML.Data;
using Microsoft.ML.Lrp.Engine;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// The fit-time data pass: when a rule of the plan learns from data (tree covers), <c>LrpEstimator.Fit</c> reads the
/// explained input column of the fit data (at most <see cref="MaxRows"/> rows, non-finite rows skipped) and routes it
/// through the model once. Fitting on an empty data view leaves those rules uncalibrated (uniform covers).
/// </summary>
internal static class LrpFitCalibration
{
    /// <summary>The most rows read for calibration.</summary>
    public const int MaxRows = 100_000;

    /// <summary>
    /// Calibrates the explainer's rules on <paramref name="data"/>; returns the options to keep (the model bytes with the
    /// learnt covers in their metadata, so that <c>LrpModel.Save</c> keeps them), or the same options when nothing
    /// was learnt.
    /// </summary>
    public static LrpOptions Run(IDataView data, LrpOptions options, IBatchExplainer explainer)
    {
        if (explainer is not LrpExplainerAdapter { Explainer: { WantsCalibration: true } engine })
        {
            return options;
        }

        var column = data.Schema[engine.InputName];
        int width = engine.InputRowLength;
        var rows = new List<float>();
        int count = 0;
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        var dense = new float[width];
        while (count < MaxRows && cursor.MoveNext())
        {
            getter(ref buffer);
            if (buffer.Length != width)
            {
                continue;
            }

            buffer.CopyTo(dense);
            if (!dense.All(float.IsFinite))
            {
                continue;
            }

            rows.AddRange(dense);
            count++;
        }

        engine.Calibrate(rows.ToArray(), count);
        byte[] model = options.ModelBytes ?? File.ReadAllBytes(options.ModelFile!);
        return options with { ModelFile = null, ModelBytes = CalibrationMetadata.Store(model, engine.CalibrationState()) };
    }
}
