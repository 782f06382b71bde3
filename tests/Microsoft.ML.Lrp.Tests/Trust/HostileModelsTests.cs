// Damaged or hostile models that used to end in an untyped exception or in silently non-finite results: each must
// end in an LrpException naming the tensor or node.
using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tests.TestModels;
using static Microsoft.ML.Lrp.Tests.Onnx.OnnxTestModels;

namespace Microsoft.ML.Lrp.Tests.Trust;

[TestClass]
public sealed class HostileModelsTests
{
    [TestMethod]
    public void InitializerWhoseElementCountOverflows_ThrowsNamingTheTensor()
    {
        var model = Dense(bias: Tensor("B", OnnxElementType.Float, 1L << 40, 1L << 40));

        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load(model.ToByteArray()));
        StringAssert.Contains(e.Message, "'B'");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(8)]
    public void HugeUntypedBias_ThrowsNamingTheTensor(int undefinedOrString)
    {
        var model = Dense(bias: Tensor("B", (OnnxElementType)undefinedOrString, 1_000_000_000_000));

        var e = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = model.ToByteArray() }).Dispose());
        StringAssert.Contains(e.Message, "'B'");
    }

    [TestMethod]
    public void DuplicateInitializerNames_ThrowNamingTheInitializer()
    {
        var model = Dense(bias: FloatTensor("B", [3], [0f, 0f, 0f]));
        model.Graph.Initializer.Add(FloatTensor("W", [3, 4], Values(12, 2)));

        var e = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = model.ToByteArray() }).Dispose());
        StringAssert.Contains(e.Message, "'W'");
        StringAssert.Contains(e.Message, "twice");
    }

    [TestMethod]
    public void GemmWeightThatNothingDefines_ThrowsNamingTheValue()
    {
        ModelProto model = NewModel();
        model.Graph.Input.Add(Value("x", 1, 4));
        model.Graph.Node.Add(Node("Gemm", "dense", ["x", "S2"], ["y"], Int("transB", 1)));
        model.Graph.Output.Add(Value("y", 1, 3));

        var e = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = model.ToByteArray(), Composite = LrpComposite.Epsilon }).Dispose());
        StringAssert.Contains(e.Message, "'S2'");
    }

    [TestMethod]
    public void BatchNormWhoseScaleLengthDiffersFromTheConvChannels_ThrowsNamingTheBatchNorm()
    {
        ModelProto model = NewModel();
        model.Graph.Input.Add(Value("x", 1, 2, 4, 4));
        model.Graph.Initializer.Add(FloatTensor("W", [3, 2, 1, 1], Values(6, 1)));
        foreach (string p in new[] { "scale", "shift", "mean", "var" })
        {
            model.Graph.Initializer.Add(FloatTensor(p, [2], [1f, 1f])); // 2 values for 3 channels
        }

        model.Graph.Node.Add(Node("Conv", "conv", ["x", "W"], ["c"]));
        model.Graph.Node.Add(Node("BatchNormalization", "bn", ["c", "scale", "shift", "mean", "var"], ["y"]));
        model.Graph.Output.Add(Value("y", 1, 3, 4, 4));

        var e = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = model.ToByteArray(), Composite = LrpComposite.Epsilon }).Dispose());
        StringAssert.Contains(e.Message, "'bn'");
    }

    [TestMethod]
    public void WeightsThatOverflowTheOutput_ThrowNamingTheFirstNonFiniteNode()
    {
        float[] weights = Values(12, 3);
        weights[0] = float.MaxValue;
        weights[4] = float.MaxValue;
        ModelProto model = NewModel();
        model.Graph.Input.Add(Value("x", 1, 4));
        model.Graph.Initializer.Add(FloatTensor("W", [3, 4], weights));
        model.Graph.Initializer.Add(FloatTensor("B", [3], [0f, 0f, 0f]));
        model.Graph.Initializer.Add(FloatTensor("W2", [2, 3], Values(6, 4)));
        model.Graph.Node.Add(Node("Gemm", "dense", ["x", "W", "B"], ["h"], Int("transB", 1)));
        model.Graph.Node.Add(Node("Gemm", "dense2", ["h", "W2"], ["y"], Int("transB", 1)));
        model.Graph.Output.Add(Value("y", 1, 2));
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model.ToByteArray(), Composite = LrpComposite.Epsilon, Target = LrpTarget.Class(0), CapturePolicy = LrpCapturePolicy.CaptureAll });

        var e = Assert.ThrowsExactly<LrpException>(() => explainer.Explain([4f, 4f, 0f, 0f], 1));
        StringAssert.Contains(e.Message, "'dense'");
    }

    [TestMethod]
    public void InputOfFloatMaxValue_ThrowsInsteadOfNaNOutput()
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = TestNetworks.Mlp().Model, Composite = LrpComposite.Epsilon });
        float[] input = Enumerable.Repeat(float.MaxValue, 10).ToArray();

        var e = Assert.ThrowsExactly<LrpException>(() => explainer.Explain(input, 1));
        StringAssert.Contains(e.Message, "output");
    }

    [TestMethod]
    public void RelevanceDividedByZero_ThrowsNamingTheNode()
    {
        // z = 0·x + 0 with ε = 0 and a seed of 1: the Epsilon rule divides 1 by stab(0) = 0.
        ModelProto model = Dense(bias: FloatTensor("B", [3], [0f, 0f, 0f]), weights: new float[12]);
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model.ToByteArray(), Composite = LrpComposite.Epsilon, Epsilon = 0f, OutputSeed = LrpOutputSeed.One, Target = LrpTarget.Class(1) });

        var e = Assert.ThrowsExactly<LrpException>(() => explainer.Explain([1f, 2f, 3f, 4f], 1));
        StringAssert.Contains(e.Message, "'dense'");
    }

    /// <summary>y[1,3] = Gemm(x[1,4], W[3,4], transB) + <paramref name="bias"/>.</summary>
    private static ModelProto Dense(TensorProto bias, float[]? weights = null)
    {
        ModelProto model = NewModel();
        model.Graph.Input.Add(Value("x", 1, 4));
        model.Graph.Initializer.Add(FloatTensor("W", [3, 4], weights ?? Values(12, 1)));
        model.Graph.Initializer.Add(bias);
        model.Graph.Node.Add(Node("Gemm", "dense", ["x", "W", bias.Name], ["y"], Int("transB", 1)));
        model.Graph.Output.Add(Value("y", 1, 3));
        return model;
    }

    private static TensorProto Tensor(string name, OnnxElementType type, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)type };
        t.Dims.AddRange(dims);
        return t;
    }
}
