using Microsoft.ML.Lrp;
using Microsoft.ML.Lrp.MLNet;

namespace Microsoft.ML;

/// <summary>Extensions that add Layer-wise Relevance Propagation to <see cref="TransformsCatalog"/>.</summary>
public static class LrpCatalog
{
    /// <summary>
    /// Creates an <see cref="LrpEstimator"/> that explains the predictions of an ONNX model with Layer-wise Relevance
    /// Propagation: for each row it adds the model's explained output and one relevance value per input element.
    /// </summary>
    /// <param name="catalog">The transform catalog.</param>
    /// <param name="options">The model, the columns, the target and the rules.</param>
    /// <returns>The estimator; <c>Fit</c> plans the relevance pass once and reads no rows.</returns>
    /// <remarks>
    /// <format type="text/markdown"><![CDATA[
    /// ###  Estimator Characteristics
    /// |  |  |
    /// | -- | -- |
    /// | Does this estimator need to look at the data to train its parameters? | No (Fit loads the model and plans the relevance pass once) |
    /// | Input column data type | Known-size or variable-size vector of <xref:System.Single>, with as many elements as the ONNX input; other ONNX inputs from columns of their names (Single, Int64 or Int32); for `LrpTarget.FromColumn`, an Int32, Int64, UInt32 or key column |
    /// | Output column data type | The explained ONNX output (named like the output): known-size vector of <xref:System.Single>; relevance: known-size vector of <xref:System.Single> shaped like the input, keeping its slot names; target: <xref:System.Int32>; score: <xref:System.Single> |
    /// | Exportable to ONNX | No |
    ///
    /// Rows are explained in batches of `BatchSize` when the data view is read; `PredictionEngine` explains one row at a time.
    /// The explained input must hold finite values: a NaN or infinite value raises an <xref:Microsoft.ML.Lrp.LrpException>
    /// naming the column, the row and the element, so filter out or replace missing values first
    /// (for example with `ReplaceMissingValues`).
    ///
    /// Save a fitted pipeline with `mlContext.Model.SaveWithLrp` and load it with `mlContext.Model.LoadWithLrp`; `mlContext.Model.Save` cannot hold this step.
    /// Progress (`LrpOptions.Progress`, and `MLContext.Log` at most once a second) and cancellation (`LrpOptions.CancellationToken`) work batch by batch.
    /// ]]></format>
    /// <para>
    /// Security: only load ONNX models from sources you trust. A model file is a program that ONNX Runtime executes,
    /// and a malicious or malformed file can exhaust memory or exploit the runtime.
    /// </para>
    /// </remarks>
    public static LrpEstimator ExplainWithLrp(this TransformsCatalog catalog, LrpOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new LrpEstimator(options, LrpExplainerAdapter.Factory) { Environment = LrpHostEnvironment.Of(catalog) };
    }

    /// <summary>
    /// Creates an <see cref="LrpEstimator"/> that explains the ONNX model in <paramref name="modelFile"/>: for each
    /// row it adds the model's first output (named like it), the relevance of <paramref name="inputColumnName"/> in
    /// <paramref name="relevanceColumnName"/>, the explained output index (<c>LrpTarget</c>) and the model's value
    /// there (<c>LrpScore</c>).
    /// </summary>
    /// <param name="catalog">The transform catalog.</param>
    /// <param name="relevanceColumnName">The column that receives one relevance value per input element.</param>
    /// <param name="inputColumnName">The explained input: the column and the ONNX input of this name.</param>
    /// <param name="modelFile">The ONNX model. Only load models from sources you trust.</param>
    /// <param name="target">What to explain; null means <see cref="LrpTarget.PredictedClass"/>.</param>
    /// <param name="composite">The rule preset.</param>
    /// <param name="gpuDeviceId">CUDA device to run on; null runs on the CPU.</param>
    /// <param name="fallbackToCpu">When the GPU cannot be used, run on the CPU instead of throwing.</param>
    /// <returns>The estimator; <c>Fit</c> plans the relevance pass once and reads no rows.</returns>
    /// <remarks>
    /// See <see cref="ExplainWithLrp(TransformsCatalog, LrpOptions)"/> for the estimator's characteristics. The
    /// explained input must hold finite values: filter out or replace missing values first.
    /// </remarks>
    public static LrpEstimator ExplainWithLrp(
        this TransformsCatalog catalog,
        string relevanceColumnName,
        string inputColumnName,
        string modelFile,
        LrpTarget? target = null,
        LrpComposite composite = LrpComposite.EpsilonPlusFlat,
        int? gpuDeviceId = null,
        bool fallbackToCpu = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relevanceColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFile);
        return catalog.ExplainWithLrp(new LrpOptions
        {
            ModelFile = modelFile,
            InputColumnName = inputColumnName,
            RelevanceColumnName = relevanceColumnName,
            Target = target ?? LrpTarget.PredictedClass,
            Composite = composite,
            GpuDeviceId = gpuDeviceId,
            FallbackToCpu = fallbackToCpu,
        });
    }
}
