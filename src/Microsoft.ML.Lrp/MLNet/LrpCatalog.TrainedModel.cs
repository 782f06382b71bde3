using Microsoft.ML.Lrp;
using Microsoft.ML.Lrp.MLNet;
using Microsoft.ML.Lrp.MLNet.TrainedModel;

namespace Microsoft.ML;

/// <summary>Extensions that explain trained ML.NET models (linear trainers, FastTree, FastForest, LightGbm) with LRP.</summary>
public static class LrpTrainedModelCatalog
{
    /// <summary>
    /// Creates an <see cref="LrpEstimator"/> that explains a trained ML.NET model (for example the model an AutoML
    /// experiment returns) per row: it exports <paramref name="trainedModel"/> with <c>ConvertToOnnx</c>, keeps the
    /// predictor that reads <paramref name="featureColumnName"/>, and explains its raw score over the slots of that
    /// column (relevance keeps ML.NET's slot names, so a one-hot category reads as <c>Color.Red</c>).
    /// </summary>
    /// <param name="catalog">The transform catalog.</param>
    /// <param name="trainedModel">The fitted pipeline or predictor.</param>
    /// <param name="sampleData">Rows of the model's input schema (the export needs them; any rows will do).</param>
    /// <param name="featureColumnName">The column the trainer reads.</param>
    /// <param name="options">Everything but the model (the explained input is <paramref name="featureColumnName"/>
    /// and the output <c>RawScore</c>); null uses the <see cref="LrpComposite.Epsilon"/> composite and the
    /// predicted class.</param>
    /// <returns>
    /// The estimator. Fit it on, and apply it to, data that went through <paramref name="trainedModel"/> (it reads the
    /// feature column): <c>explain.Fit(trainedModel.Transform(train)).Transform(trainedModel.Transform(test))</c>.
    /// For tree ensembles, <c>Fit</c> routes its rows through the trees to count node covers.
    /// </returns>
    /// <remarks>
    /// <format type="text/markdown"><![CDATA[
    /// The explained value is the predictor's raw score (`RawScore`): the margin of a binary classifier (before the
    /// calibrator), one logit or tree sum per class of a multiclass model, the prediction of a regression.
    /// Linear models: relevance `w_i·x_i` (the bias absorbs the rest), equal to ML.NET's
    /// `CalculateFeatureContribution(normalize: false)`. Tree ensembles: the Saabas path decomposition (not a
    /// gradient rule), `Σ relevance + base = raw score`, the base being the trees' root values; node values are
    /// cover-weighted leaf means, covers counted on the rows `Fit` sees (uniform when it sees none).
    /// ]]></format>
    /// <para>With <see cref="LrpOptions.RelevanceByColumnName"/> set (and no
    /// <see cref="LrpOptions.RelevanceColumnGroups"/>), each slot of the feature column is traced through the exported
    /// graph back to the pipeline's input column it was made from (so the slots of <c>OneHotEncoding("Color")</c> sum
    /// to <c>Color</c>, and those of <c>ConvertType("CountF", "Count")</c> to <c>Count</c>); if some slot cannot be
    /// traced to exactly one input column, the feature column's slot names group the slots instead.</para>
    /// </remarks>
    /// <exception cref="LrpException">The model cannot be exported (the message names the blocking transform and how to
    /// avoid it), or has no linear or tree predictor reading the feature column.</exception>
    public static LrpEstimator ExplainWithLrp(
        this TransformsCatalog catalog,
        ITransformer trainedModel,
        IDataView sampleData,
        string featureColumnName = "Features",
        LrpOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(trainedModel);
        ArgumentNullException.ThrowIfNull(sampleData);
        ArgumentException.ThrowIfNullOrWhiteSpace(featureColumnName);
        var exported = OnnxExport.Export(trainedModel, sampleData);
        var cut = TrainedModelCut.Cut(exported, featureColumnName);
        var explained = (options ?? new LrpOptions { Composite = LrpComposite.Epsilon }) with
        {
            ModelFile = null,
            ModelBytes = cut,
            InputColumnName = featureColumnName,
            OutputName = TrainedModelCut.OutputName,
        };
        if (explained.RelevanceByColumnName is not null && explained.RelevanceColumnGroups is null)
        {
            // Null when a slot cannot be traced to one input column: the slot names decide at Fit.
            explained = explained with { RelevanceColumnGroups = FeatureColumnTrace.Groups(exported, featureColumnName) };
        }

        return new LrpEstimator(explained, LrpExplainerAdapter.Factory) { Environment = LrpHostEnvironment.Of(catalog) };
    }
}
