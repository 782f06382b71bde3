using Microsoft.ML.Data;
using Microsoft.ML.Lrp;
using Microsoft.ML.Lrp.MLNet;

namespace Microsoft.ML;

/// <summary>
/// Saving and loading of models with LRP steps from <c>mlContext.Model</c>, next to ML.NET's own <c>Save</c> and
/// <c>Load</c> (which cannot hold an LRP step). The file format is <see cref="LrpModel"/>'s.
/// </summary>
public static class LrpModelCatalog
{
    /// <summary>
    /// Saves <paramref name="model"/>, a fitted pipeline that contains <see cref="LrpTransformer"/> steps (any other
    /// ML.NET transformer too), to <paramref name="filePath"/>, as <see cref="LrpModel.Save"/> does.
    /// </summary>
    /// <param name="catalog">The model catalog (<c>mlContext.Model</c>); it saves the ML.NET parts.</param>
    /// <param name="model">The fitted model: an <see cref="LrpTransformer"/>, a chain holding LRP steps, or any ML.NET transformer.</param>
    /// <param name="inputSchema">The schema of the data the model is applied to.</param>
    /// <param name="filePath">The zip file to write.</param>
    /// <remarks>
    /// The file holds each LRP step's ONNX model and options, but not <see cref="LrpOptions.Progress"/> nor
    /// <see cref="LrpOptions.CancellationToken"/>: give those to
    /// <see cref="LoadWithLrp(ModelOperationsCatalog, string, out DataViewSchema, IProgress{LrpProgress}, CancellationToken)"/>.
    /// </remarks>
    public static void SaveWithLrp(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath)
        => LrpModel.SaveTo(catalog, model, inputSchema, filePath);

    /// <summary>
    /// Loads a model saved by <see cref="SaveWithLrp"/> (or <see cref="LrpModel.Save"/>); its LRP steps log their
    /// progress to this catalog's <c>MLContext.Log</c>.
    /// </summary>
    /// <param name="catalog">The model catalog (<c>mlContext.Model</c>); it loads the ML.NET parts.</param>
    /// <param name="filePath">The zip file. Only load files from sources you trust: they hold ONNX models, which ONNX Runtime executes.</param>
    /// <param name="inputSchema">The schema the model was saved with.</param>
    /// <param name="progress">Set as <see cref="LrpOptions.Progress"/> on every loaded LRP step; null: none.</param>
    /// <param name="cancellationToken">Set as <see cref="LrpOptions.CancellationToken"/> on every loaded LRP step.</param>
    /// <returns>The model: a <see cref="TransformerChain{TLastTransformer}"/> when it was saved from one or has several
    /// steps. Dispose its LRP steps (or the chain's) to release their ONNX Runtime sessions.</returns>
    /// <exception cref="LrpException">The file is not a complete LRP model file; the message names the file and the entry.</exception>
    public static ITransformer LoadWithLrp(
        this ModelOperationsCatalog catalog,
        string filePath,
        out DataViewSchema inputSchema,
        IProgress<LrpProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var settings = new LrpLoadSettings
        {
            Environment = LrpHostEnvironment.Of(catalog),
            Progress = progress,
            CancellationToken = cancellationToken,
        };
        return LrpModel.LoadFrom(catalog, filePath, out inputSchema, LrpExplainerAdapter.Factory, settings);
    }
}
