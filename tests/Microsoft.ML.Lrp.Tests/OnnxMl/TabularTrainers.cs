using Microsoft.ML;

namespace Microsoft.ML.Lrp.Tests.OnnxMl;

/// <summary>The trainers AutoML chooses between, small settings, on <see cref="TabularRow"/> data.</summary>
internal static class TabularTrainers
{
    public static readonly string[] Names = ["Sdca", "Lbfgs", "FastTree", "FastForest", "LightGbm"];

    public static ITransformer Fit(MLContext ml, string trainer, string task, IDataView train)
    {
        var features = ml.Transforms.Concatenate("Features", "F");
        return task switch
        {
            "Binary" => features.Append(Binary(ml, trainer)).Fit(train),
            "Regression" => features.Append(Regression(ml, trainer)).Fit(train),
            _ => ml.Transforms.Conversion.MapValueToKey("Label", "Class").Append(features).Append(Multiclass(ml, trainer)).Fit(train),
        };
    }

    private static IEstimator<ITransformer> Binary(MLContext ml, string trainer) => trainer switch
    {
        "Sdca" => ml.BinaryClassification.Trainers.SdcaLogisticRegression("Binary"),
        "Lbfgs" => ml.BinaryClassification.Trainers.LbfgsLogisticRegression("Binary"),
        "FastTree" => ml.BinaryClassification.Trainers.FastTree("Binary", numberOfLeaves: 8, numberOfTrees: 20, minimumExampleCountPerLeaf: 20),
        "FastForest" => ml.BinaryClassification.Trainers.FastForest("Binary", numberOfLeaves: 8, numberOfTrees: 20, minimumExampleCountPerLeaf: 20),
        _ => ml.BinaryClassification.Trainers.LightGbm("Binary", numberOfLeaves: 8, numberOfIterations: 20, minimumExampleCountPerLeaf: 20),
    };

    private static IEstimator<ITransformer> Regression(MLContext ml, string trainer) => trainer switch
    {
        "Sdca" => ml.Regression.Trainers.Sdca("Target"),
        "Lbfgs" => ml.Regression.Trainers.LbfgsPoissonRegression("Target"),
        "FastTree" => ml.Regression.Trainers.FastTree("Target", numberOfLeaves: 8, numberOfTrees: 20, minimumExampleCountPerLeaf: 20),
        "FastForest" => ml.Regression.Trainers.FastForest("Target", numberOfLeaves: 8, numberOfTrees: 20, minimumExampleCountPerLeaf: 20),
        _ => ml.Regression.Trainers.LightGbm("Target", numberOfLeaves: 8, numberOfIterations: 20, minimumExampleCountPerLeaf: 20),
    };

    private static IEstimator<ITransformer> Multiclass(MLContext ml, string trainer) => trainer switch
    {
        "Sdca" => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(),
        "Lbfgs" => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(),
        "FastTree" => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(numberOfLeaves: 8, numberOfTrees: 20, minimumExampleCountPerLeaf: 20)),
        "FastForest" => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastForest(numberOfLeaves: 8, numberOfTrees: 20, minimumExampleCountPerLeaf: 20)),
        _ => ml.MulticlassClassification.Trainers.LightGbm(numberOfLeaves: 8, numberOfIterations: 20, minimumExampleCountPerLeaf: 20),
    };
}
