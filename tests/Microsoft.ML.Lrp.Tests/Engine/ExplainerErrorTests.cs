using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Engine;

/// <summary>Bad models and bad inputs get exceptions that name the file, node, op type or row.</summary>
[TestClass]
public sealed class ExplainerErrorTests
{
    [TestMethod]
    public void Constructor_MissingModelFile_NamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N") + ".onnx");
        var ex = Assert.Throws<Exception>(() => new LrpExplainer(new LrpOptions { ModelFile = path }));
        StringAssert.Contains(ex.Message, path);
    }

    [TestMethod]
    public void Constructor_TruncatedModelFile_NamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "truncated-" + Guid.NewGuid().ToString("N") + ".onnx");
        var bytes = TestNetworks.VggLike(1).Model;
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length / 2).ToArray());
        try
        {
            var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelFile = path }));
            StringAssert.Contains(ex.Message, path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Constructor_UnsupportedOps_ListsEveryOpTypeWithNodeNames()
    {
        var model = new OnnxModelBuilder().Input("input", "N", 4)
            .Node("ReduceL2", "input", "e", "l2_node", ("axes", new[] { 1 }))
            .Node("LogSoftmax", ["e"], ["m"], "log_softmax_node")
            .Node("ReduceProd", "m", "output", "prod_node", ("axes", new[] { 1 }))
            .Output("output", "N", 1).Build();
        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = model }));
        StringAssert.Contains(ex.Message, "ReduceL2: l2_node");
        StringAssert.Contains(ex.Message, "ReduceProd: prod_node");
        StringAssert.Contains(ex.Message, "log_softmax_node");
    }

    [TestMethod]
    public void Explain_NaNInput_NamesRowAndElement()
    {
        var network = TestNetworks.Mlp();
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = network.Model });
        var input = new float[3 * 10];
        input[(2 * 10) + 7] = float.NaN;
        var ex = Assert.ThrowsExactly<LrpException>(() => explainer.Explain(input, 3));
        StringAssert.Contains(ex.Message, "Row 2");
        StringAssert.Contains(ex.Message, "element 7");
    }

    [TestMethod]
    public void Explain_InfiniteInput_Throws()
    {
        var network = TestNetworks.Mlp();
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = network.Model });
        var input = new float[10];
        input[3] = float.PositiveInfinity;
        Assert.ThrowsExactly<LrpException>(() => explainer.Explain(input, 1));
    }

    [TestMethod]
    public void Explain_TargetOutOfRange_NamesRangeAndRow()
    {
        var network = TestNetworks.Mlp();
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = network.Model, Target = LrpTarget.Class(4) });
        var ex = Assert.ThrowsExactly<LrpException>(() => explainer.Explain(new float[10], 1));
        StringAssert.Contains(ex.Message, "0 to 3");
    }

    [TestMethod]
    public void Explain_WrongInputLength_NamesInput()
    {
        var network = TestNetworks.Mlp();
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = network.Model });
        var ex = Assert.ThrowsExactly<ArgumentException>(() => explainer.Explain(new float[11], 1));
        StringAssert.Contains(ex.Message, "'input'");
    }

    [TestMethod]
    public void Explain_AfterDispose_ThrowsObjectDisposed()
    {
        var explainer = new LrpExplainer(new LrpOptions { ModelBytes = TestNetworks.Mlp().Model });
        explainer.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => explainer.Explain(new float[10], 1));
    }

    [TestMethod]
    public void Constructor_GammaBoxWithoutBounds_SaysWhichOptions()
    {
        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = TestNetworks.VggLike(1).Model, Composite = LrpComposite.EpsilonGammaBox }));
        StringAssert.Contains(ex.Message, "InputLowerBound");
    }

    [TestMethod]
    public void Constructor_UnknownInputName_ListsInputs()
    {
        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = TestNetworks.Mlp().Model, InputColumnName = "pixels" }));
        StringAssert.Contains(ex.Message, "pixels");
        StringAssert.Contains(ex.Message, "input");
    }
}
