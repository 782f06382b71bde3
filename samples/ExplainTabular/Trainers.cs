using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;

namespace ExplainTabular;

/// <summary>The trainers AutoML chooses between, per task, after the featurizer.</summary>
internal static class Trainers
{
    public static IEstimator<ITransformer>? For(MLContext ml, string task, string trainer, IEstimator<ITransformer> featurize) => task switch
    {
        "Binary" => featurize.Append(trainer switch
        {
            "Sdca" => (IEstimator<ITransformer>)ml.BinaryClassification.Trainers.SdcaLogisticRegression("Approved"),
            "Lbfgs" => ml.BinaryClassification.Trainers.LbfgsLogisticRegression("Approved"),
            "FastTree" => ml.BinaryClassification.Trainers.FastTree("Approved"),
            "FastForest" => ml.BinaryClassification.Trainers.FastForest("Approved"),
            _ => ml.BinaryClassification.Trainers.LightGbm("Approved"),
        }),
        "Multiclass" => ml.Transforms.Conversion.MapValueToKey("Label", "Band").Append(featurize).Append(trainer switch
        {
            "Sdca" => (IEstimator<ITransformer>)ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(),
            "Lbfgs" => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(),
            "FastTree" => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree()),
            "FastForest" => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastForest()),
            _ => ml.MulticlassClassification.Trainers.LightGbm(),
        }),
        _ => trainer switch
        {
            "Sdca" => featurize.Append(ml.Regression.Trainers.Sdca("Score")),
            "Lbfgs" => null, // ML.NET's L-BFGS regression is Poisson regression, for counts.
            "FastTree" => featurize.Append(ml.Regression.Trainers.FastTree("Score")),
            "FastForest" => featurize.Append(ml.Regression.Trainers.FastForest("Score")),
            _ => featurize.Append(ml.Regression.Trainers.LightGbm("Score")),
        },
    };

    /// <summary>ML.NET's own per-row explanation for the model's predictor, where it supports it.</summary>
    public static IEstimator<ITransformer>? FeatureContributions(MLContext ml, ITransformer model)
    {
        var predictor = ((IEnumerable<ITransformer>)model).Last();
        return predictor switch
        {
            BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> p => ml.Transforms.CalculateFeatureContribution(p, normalize: false),
            BinaryPredictionTransformer<CalibratedModelParametersBase<FastTreeBinaryModelParameters, PlattCalibrator>> p => ml.Transforms.CalculateFeatureContribution(p, normalize: false),
            BinaryPredictionTransformer<FastForestBinaryModelParameters> p => ml.Transforms.CalculateFeatureContribution(p, normalize: false),
            RegressionPredictionTransformer<LinearRegressionModelParameters> p => ml.Transforms.CalculateFeatureContribution(p, normalize: false),
            RegressionPredictionTransformer<FastTreeRegressionModelParameters> p => ml.Transforms.CalculateFeatureContribution(p, normalize: false),
            RegressionPredictionTransformer<FastForestRegressionModelParameters> p => ml.Transforms.CalculateFeatureContribution(p, normalize: false),
            _ => null,
        };
    }
}
