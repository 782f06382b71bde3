using Microsoft.ML.Lrp;
using Microsoft.ML.Lrp.MLNet;
using Microsoft.ML.Lrp.MLNet.ApplyOnnx;

namespace Microsoft.ML;

/// <summary>Extensions that explain a fitted <c>ApplyOnnxModel</c> pipeline with LRP, without naming its model again.</summary>
public static class LrpApplyOnnxModelCatalog
{
    /// <summary>
    /// Creates an <see cref="LrpEstimator"/> that explains the ONNX model of a fitted <c>ApplyOnnxModel</c> step:
    /// <paramref name="onnxModel"/> is the <c>OnnxTransformer</c> that <c>mlContext.Transforms.ApplyOnnxModel(...).Fit</c>
    /// returned, or a fitted pipeline (a <c>TransformerChain</c>) holding exactly one. The explanation uses that
    /// transformer's model, its columns (the explained input is its first input column, the explained output its first
    /// output column, unless <paramref name="options"/> names others), the shapes of its shape dictionary and its GPU
    /// settings (<c>gpuDeviceId</c> and <c>fallbackToCpu</c>, or <c>MLContext.GpuDeviceId</c>).
    /// </summary>
    /// <param name="catalog">The transform catalog.</param>
    /// <param name="onnxModel">The fitted <c>ApplyOnnxModel</c> step, or a fitted chain that contains one.</param>
    /// <param name="options">Everything but the model and the device: target, composite, column names, batch size;
    /// null uses the defaults. <see cref="LrpOptions.ModelFile"/>, <see cref="LrpOptions.ModelBytes"/>,
    /// <see cref="LrpOptions.GpuDeviceId"/> and <see cref="LrpOptions.FallbackToCpu"/> are taken from the transformer;
    /// a shape in <see cref="LrpOptions.InputRowShape"/> or <see cref="LrpOptions.InputRowShapes"/> wins over its
    /// shape dictionary.</param>
    /// <returns>
    /// The estimator. Fit it on, and apply it to, the data the ONNX step reads: for a chain,
    /// <c>explain.Fit(chain.Transform(data)).Transform(chain.Transform(data))</c> (the ONNX step's output column is
    /// replaced by the explained output, so it does not run again).
    /// </returns>
    /// <exception cref="LrpException">The model holds no or several OnnxTransformers, or ML.NET stores them in a form
    /// this library does not read (the message says what to pass instead).</exception>
    /// <remarks>
    /// See <see cref="LrpCatalog.ExplainWithLrp(TransformsCatalog, LrpOptions)"/> for the estimator's characteristics.
    /// The model bytes are read from the transformer's own <c>mlContext.Model.Save</c> form; ML.NET does not save its
    /// GPU settings, so they are read from the transformer's options object.
    /// </remarks>
    public static LrpEstimator ExplainWithLrp(this TransformsCatalog catalog, ITransformer onnxModel, LrpOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(onnxModel);
        var settings = OnnxTransformerSource.Read(OnnxTransformerSource.Find(onnxModel));
        var given = options ?? new LrpOptions();
        string input = given.InputColumnName ?? settings.InputColumns[0];
        var shapes = new Dictionary<string, int[]>(given.InputRowShapes ?? new Dictionary<string, int[]>(), StringComparer.Ordinal);
        foreach (var (name, shape) in settings.CustomShapes)
        {
            // ML.NET's shape dictionary holds whole tensors, batch first; LrpOptions wants one row.
            bool givenForInput = name == input && given.InputRowShape is not null;
            if (settings.InputColumns.Contains(name) && shape.Length > 1 && shape.Skip(1).All(d => d > 0) && !givenForInput && !shapes.ContainsKey(name))
            {
                shapes[name] = shape[1..];
            }
        }

        return new LrpEstimator(
            given with
            {
                ModelFile = null,
                ModelBytes = settings.ModelBytes,
                InputColumnName = input,
                OutputName = given.OutputName ?? settings.OutputColumns[0],
                InputRowShapes = shapes.Count == 0 ? given.InputRowShapes : shapes,
                GpuDeviceId = settings.GpuDeviceId,
                FallbackToCpu = settings.FallbackToCpu,
            },
            LrpExplainerAdapter.Factory);
    }
}
