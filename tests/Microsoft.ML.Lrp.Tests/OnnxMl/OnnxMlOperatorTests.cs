using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.OnnxMl;

/// <summary>
/// Hand-built <c>ai.onnx.ml</c> graphs for the operators the exporter emits and those it does not, each compared
/// with a naive double-precision evaluation of its rule.
/// </summary>
[TestClass]
public sealed class OnnxMlOperatorTests
{
    private static readonly float[] Weights = [0.5f, -2f, 1.5f];

    private static LrpExplanation Explain(byte[] model, float[] input, int rows, LrpTarget? target = null)
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model, Composite = LrpComposite.Epsilon, Target = target ?? LrpTarget.Class(0) });
        return explainer.Explain(input, rows);
    }

    /// <summary>X [N, 3] → Imputer → Scaler → LinearRegressor → Y [N, 1].</summary>
    internal static byte[] ImputerScalerLinearRegressorModel() => new OnnxModelBuilder().Input("X", "N", 3)
        .MlNode("Imputer", ["X"], ["imputed"], "impute", ("imputed_value_floats", new[] { 5f }), ("replaced_value_float", -1f))
        .MlNode("Scaler", ["imputed"], ["scaled"], "scale", ("offset", new[] { 0f, 0.5f, 0f }), ("scale", new[] { 2f, 1f, 3f }))
        .MlNode("LinearRegressor", ["scaled"], ["Y"], "linear", ("coefficients", Weights), ("intercepts", new[] { 0.25f }))
        .Output("Y", "N", 1).Build();

    /// <summary>X [N, 3] → ArrayFeatureExtractor → OneHotEncoder, ArrayFeatureExtractor → FeatureVectorizer → Normalizer → LinearRegressor → Y [N, 1].</summary>
    internal static byte[] OneHotFeatureVectorizerModel() => new OnnxModelBuilder().Input("X", "N", 3)
        .Initializer("first", [0L], 1).Initializer("picks", [2L, 1L, 2L], 3)
        .MlNode("ArrayFeatureExtractor", ["X", "first"], ["category"], "pickCategory")
        .MlNode("OneHotEncoder", ["category"], ["oneHot3d"], "oneHot", ("cats_int64s", new long[] { 1, 2, 3 }), ("zeros", 1))
        .Node("Flatten", "oneHot3d", "oneHot", "flatten", ("axis", 1))
        .MlNode("ArrayFeatureExtractor", ["X", "picks"], ["picked"], "pickNumbers")
        .MlNode("FeatureVectorizer", ["oneHot", "picked"], ["features"], "vectorize", ("inputdimensions", new long[] { 3, 3 }))
        .MlNode("Normalizer", ["features"], ["normalized"], "normalize", ("norm", "MAX"))
        .MlNode("LinearRegressor", ["normalized"], ["Y"], "linear", ("coefficients", new[] { 1f, 2f, 3f, 0.5f, -1f, 0.25f }), ("intercepts", new[] { 0.1f }))
        .Output("Y", "N", 1).Build();

    /// <summary>X [N, 3] → LinearRegressor → Mul, Add, Sigmoid, Clip, Div, Max → Y [N, 1].</summary>
    internal static byte[] LinearRegressorCalibratorModel() => new OnnxModelBuilder().Input("X", "N", 3)
        .Initializer("slope", [-1.5f], 1).Initializer("offset", [0.2f], 1).Initializer("zero", [0f]).Initializer("two", [2f], 1)
        .MlNode("LinearRegressor", ["X"], ["score"], "linear", ("coefficients", Weights), ("intercepts", new[] { 0.3f }))
        .Node("Mul", ["score", "slope"], ["scaled"], "mul")
        .Node("Add", ["scaled", "offset"], ["shifted"], "add")
        .Node("Sigmoid", "shifted", "probability", "sigmoid")
        .Node("Clip", ["probability", "zero"], ["clipped"], "clip")
        .Node("Div", ["clipped", "two"], ["halved"], "div")
        .Node("Max", ["halved"], ["Y"], "max")
        .Output("Y", "N", 1).Build();

    [TestMethod]
    public void ImputerScalerLinearRegressor_Chain_MatchesNaiveAffineEpsilon()
    {
        var model = ImputerScalerLinearRegressorModel();
        float[] x = [1f, 2f, 0.5f, -1f, 0.3f, -0.7f];
        var result = Explain(model, x, 2);
        float[] offset = [0f, 0.5f, 0f], scale = [2f, 1f, 3f];
        for (int row = 0; row < 2; row++)
        {
            for (int i = 0; i < 3; i++)
            {
                double xi = x[(row * 3) + i];
                bool imputed = xi == -1;
                double v = imputed ? 5 : xi;
                double s = (v - offset[i]) * scale[i];
                double atScaled = Weights[i] * s;
                double atImputed = offset[i] == 0 ? atScaled : v * scale[i] * atScaled / (s + (s >= 0 ? 1e-6 : -1e-6));
                double expected = imputed ? 0 : atImputed;
                Assert.AreEqual(expected, result.RelevanceOf(row)[i], 1e-5, $"row {row} element {i}");
            }

            Assert.AreEqual(0, result.ConservationError(row), 1e-4);
        }
    }

    [TestMethod]
    public void OneHotArrayFeatureExtractorFeatureVectorizerNormalizer_Routes_RelevanceToSourceSlots()
    {
        var model = OneHotFeatureVectorizerModel();
        float[] x = [2f, 0.4f, -0.8f];
        var result = Explain(model, x, 1);

        double[] features = [0, 1, 0, x[2], x[1], x[2]];
        double max = features.Max(Math.Abs);
        double[] w = [1, 2, 3, 0.5, -1, 0.25];
        var slot = features.Select((f, i) => w[i] * f / max).ToArray();
        Assert.AreEqual(slot[0] + slot[1] + slot[2], result.RelevanceOf(0)[0], 1e-5, "one-hot block returns to the category");
        Assert.AreEqual(slot[4], result.RelevanceOf(0)[1], 1e-5, "picked once");
        Assert.AreEqual(slot[3] + slot[5], result.RelevanceOf(0)[2], 1e-5, "picked twice");
    }

    [TestMethod]
    public void LinearClassifierSoftmax_ExplainedClass_IsScoreShareOfWeightTimesFeature()
    {
        float[] coefficients = [1f, -1f, 0.5f, 0.2f, 0.3f, -0.4f];
        float[] intercepts = [0.1f, -0.2f];
        var model = new OnnxModelBuilder().Input("X", "N", 3)
            .MlNode("LinearClassifier", ["X"], ["label", "P"], "classify", ("coefficients", coefficients), ("intercepts", intercepts), ("classlabels_ints", new long[] { 0, 1 }), ("post_transform", "SOFTMAX"))
            .Output("P", "N", 2).Build();
        float[] x = [0.3f, -0.6f, 1.2f];
        var result = Explain(model, x, 1, LrpTarget.Class(1));
        double z0 = intercepts[0], z1 = intercepts[1];
        for (int i = 0; i < 3; i++)
        {
            z0 += coefficients[i] * x[i];
            z1 += coefficients[3 + i] * x[i];
        }

        double p1 = Math.Exp(z1) / (Math.Exp(z0) + Math.Exp(z1));
        for (int i = 0; i < 3; i++)
        {
            Assert.AreEqual(coefficients[3 + i] * x[i] * p1 / (z1 + (z1 >= 0 ? 1e-6 : -1e-6)), result.RelevanceOf(0)[i], 1e-5);
        }
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    public void LinearClassifierBinary_OneCoefficientRow_ExplainsEitherColumnExactly(int target)
    {
        var model = new OnnxModelBuilder().Input("X", "N", 3)
            .MlNode("LinearClassifier", ["X"], ["label", "S"], "classify", ("coefficients", Weights), ("intercepts", new[] { 0.2f }), ("classlabels_ints", new long[] { 0, 1 }))
            .Output("S", "N", 2).Build();
        float[] x = [0.3f, -0.6f, 1.2f];
        var result = Explain(model, x, 1, LrpTarget.Class(target));
        double z = 0.2 + Weights.Select((w, i) => (double)w * x[i]).Sum();
        Assert.AreEqual(target == 1 ? z : 1 - z, result.Output[target], 1e-5, "ONNX Runtime scores [1 - z, z]");
        for (int i = 0; i < 3; i++)
        {
            Assert.AreEqual((target == 1 ? 1 : -1) * Weights[i] * x[i], result.RelevanceOf(0)[i], 1e-5);
        }

        Assert.AreEqual(0, result.ConservationError(0), 1e-5);
    }

    [TestMethod]
    public void LinearRegressor_CalibratorOpsAround_ConserveAndKeepWeightTimesFeatureProportions()
    {
        var model = LinearRegressorCalibratorModel();
        float[] x = [0.9f, -0.2f, 0.4f];
        var result = Explain(model, x, 1);
        Assert.AreEqual(0, result.ConservationError(0), 1e-5);
        double ratio = result.RelevanceOf(0)[0] / (Weights[0] * x[0]);
        for (int i = 1; i < 3; i++)
        {
            Assert.AreEqual(ratio, result.RelevanceOf(0)[i] / (Weights[i] * x[i]), 1e-4, $"feature {i}");
        }
    }

    [TestMethod]
    public void BinarizerAndLabelEncoder_ExplainedOutput_CarryNoRelevance()
    {
        var model = new OnnxModelBuilder().Input("X", "N", 3)
            .MlNode("LinearRegressor", ["X"], ["score"], "linear", ("coefficients", Weights), ("intercepts", new[] { 0.3f }))
            .MlNode("Binarizer", ["score"], ["B"], "binarize", ("threshold", 0f))
            .MlNode("LabelEncoder", ["score"], ["L"], "encode", ("keys_floats", new[] { 0f }), ("values_floats", new[] { 1f }))
            .Output("B", "N", 1).Output("L", "N", 1).Build();
        foreach (var output in new[] { "B", "L" })
        {
            var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = model, OutputName = output }));
            StringAssert.Contains(ex.Message, "does not depend on the input");
        }
    }

    [TestMethod]
    public void UnsupportedOnnxMlOperator_Fit_FailsNamingOpTypeAndNode()
    {
        var model = new OnnxModelBuilder().Input("X", "N", 2)
            .MlNode("SVMRegressor", ["X"], ["Y"], "supportVectors", ("coefficients", new[] { 1f }), ("support_vectors", new[] { 0.5f, 0.5f }), ("n_supports", 1), ("rho", new[] { 0f }), ("kernel_type", "LINEAR"))
            .Output("Y", "N", 1).Build();
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new TwoFeatures { X = [1f, 2f] } });
        var estimator = ml.Transforms.ExplainWithLrp(new LrpOptions { ModelBytes = model, InputColumnName = "X", OutputName = "Y" });
        var ex = Assert.ThrowsExactly<LrpException>(() => estimator.Fit(data));
        StringAssert.Contains(ex.Message, "ai.onnx.ml.SVMRegressor");
        StringAssert.Contains(ex.Message, "supportVectors");
    }

    [TestMethod]
    public void FeaturizeText_Export_FailsNamingTheTransform()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new TextRow { Text = "red apple", Target = 1f }, new TextRow { Text = "green pear", Target = 0f } });
        var model = ml.Transforms.Text.FeaturizeText("Features", "Text").Append(ml.Regression.Trainers.Sdca("Target")).Fit(data);
        var ex = Assert.ThrowsExactly<LrpException>(() => ml.Transforms.ExplainWithLrp(model, data));
        StringAssert.Contains(ex.Message, "TextFeaturizingEstimator");
        StringAssert.Contains(ex.Message, "FeaturizeText");
    }

    public sealed class TwoFeatures
    {
        [Microsoft.ML.Data.VectorType(2)]
        public float[] X { get; set; } = [];
    }

    public sealed class TextRow
    {
        public string Text { get; set; } = "";

        public float Target { get; set; }
    }
}
