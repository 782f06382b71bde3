using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>Small graph pieces the single-rule tests share.</summary>
internal static class TransformerBlocksForTests
{
    /// <summary>The PyTorch LayerNorm decomposition with initializers <c>ln_w</c>, <c>ln_b</c>, <c>two</c>, <c>eps</c> already added.</summary>
    public static void LayerNormWithGivenParameters(OnnxModelBuilder b, string x, string output)
    {
        b.Node("ReduceMean", [x], ["mean"], "mean", ("axes", new[] { -1 }))
            .Node("Sub", [x, "mean"], ["centered"], "center")
            .Node("Pow", ["centered", "two"], ["sq"], "pow")
            .Node("ReduceMean", ["sq"], ["var"], "variance", ("axes", new[] { -1 }))
            .Node("Add", ["var", "eps"], ["vareps"], "add_eps")
            .Node("Sqrt", "vareps", "std", "sqrt")
            .Node("Div", ["centered", "std"], ["normed"], "normalise")
            .Node("Mul", ["normed", "ln_w"], ["scaled"], "scale")
            .Node("Add", ["scaled", "ln_b"], [output], "shift");
    }
}
