using Microsoft.ML.Lrp.Tests.Reference;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.OnnxMl;

/// <summary>
/// Hand-built <c>TreeEnsembleRegressor</c> (two targets) and <c>TreeEnsembleClassifier</c> (three classes) against the
/// plain path decomposition in <see cref="NaiveTreePaths"/>, with uniform covers and with covers from data.
/// </summary>
[TestClass]
public sealed class TreeEnsembleRuleTests
{
    // Tree 0: x0 <= 0.5 ? (x2 <= -0.2 ? A : B) : C.  Tree 1: x1 < 0.1 ? D : E.
    private static readonly double[][] LeafWeights = [[1.0, -0.5, 0.2], [2.0, 0.25, -0.1], [-1.0, 0.75, 0.3], [0.5, -1.5, 0.05], [-0.25, 1.0, -0.4]];

    private static readonly float[][] Rows =
    [
        [0.2f, 0.0f, -0.5f], [0.9f, 0.3f, 0.1f], [0.4f, 0.5f, 0.7f], [0.6f, -0.2f, -0.9f], [0.1f, 0.2f, -0.3f], [0.3f, -0.4f, 0.0f],
    ];

    private static readonly float[] BaseValues = [0.4f, -0.25f, 0.125f];

    [TestMethod]
    [DataRow(false, 1)]
    [DataRow(false, 2)]
    [DataRow(false, 3)]
    [DataRow(true, 3)]
    public void TreeEnsemble_HandBuilt_MatchesNaivePathDecomposition(bool classifier, int targets)
    {
        var input = Rows.SelectMany(r => r).ToArray();
        var trees = NaiveTrees(targets);
        foreach (bool calibrated in new[] { false, true })
        {
            var coverRows = calibrated ? Rows.Take(4).ToArray() : [];
            for (int k = 0; k < targets; k++)
            {
                using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = Model(classifier, targets), Composite = LrpComposite.Epsilon, Target = LrpTarget.Class(k) });
                explainer.Calibrate(coverRows.SelectMany(r => r).ToArray(), coverRows.Length);
                var result = explainer.Explain(input, Rows.Length);
                for (int row = 0; row < Rows.Length; row++)
                {
                    var (contributions, baseline, prediction) = NaiveTreePaths.Explain(trees, targets, 3, Rows[row], coverRows, BaseValues.Take(targets).Select(v => (double)v).ToArray());
                    Assert.AreEqual(prediction[k], result.Output[(row * targets) + k], 1e-5, "the model's score");
                    for (int f = 0; f < 3; f++)
                    {
                        Assert.AreEqual(contributions[k][f], result.RelevanceOf(row)[f], 1e-5, $"classifier {classifier}, calibrated {calibrated}, target {k}, row {row}, feature {f}");
                    }

                    Assert.AreEqual(prediction[k], result.RelevanceOf(row).ToArray().Sum(v => (double)v) + baseline[k], 1e-5, "Σ relevance + base = prediction");
                }
            }
        }
    }

    [TestMethod]
    public void TreeEnsembleClassifier_Binary_FailsNamingOpAndNode()
    {
        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = Model(true, 2) }));
        StringAssert.Contains(ex.Message, "ai.onnx.ml.TreeEnsembleClassifier (binary");
        StringAssert.Contains(ex.Message, "forest");
    }

    private static List<NaiveTreeNode> NaiveTrees(int targets)
    {
        NaiveTreeNode Leaf(int i) => NaiveTreePaths.Leaf(LeafWeights[i].Take(targets).ToArray());
        return
        [
            NaiveTreePaths.Split(0, 0.5f, NaiveTreePaths.Split(2, -0.2f, Leaf(0), Leaf(1)), Leaf(2)),
            NaiveTreePaths.Split(1, 0.1f, Leaf(3), Leaf(4), lessThan: true),
        ];
    }

    internal static byte[] Model(bool classifier, int targets)
    {
        // Node ids per tree: tree 0 = {0: split x0, 1: split x2, 2: leaf C, 3: leaf A, 4: leaf B}; tree 1 = {0: split x1, 1: D, 2: E}.
        long[] treeIds = [0, 0, 0, 0, 0, 1, 1, 1];
        long[] nodeIds = [0, 1, 2, 3, 4, 0, 1, 2];
        long[] featureIds = [0, 2, 0, 0, 0, 1, 0, 0];
        string[] modes = ["BRANCH_LEQ", "BRANCH_LEQ", "LEAF", "LEAF", "LEAF", "BRANCH_LT", "LEAF", "LEAF"];
        float[] values = [0.5f, -0.2f, 0, 0, 0, 0.1f, 0, 0];
        long[] trueIds = [1, 3, 0, 0, 0, 1, 0, 0];
        long[] falseIds = [2, 4, 0, 0, 0, 2, 0, 0];
        (long Tree, long Node, int Leaf)[] leaves = [(0, 3, 0), (0, 4, 1), (0, 2, 2), (1, 1, 3), (1, 2, 4)];
        var wTrees = new List<long>();
        var wNodes = new List<long>();
        var wIds = new List<long>();
        var weights = new List<float>();
        foreach (var (tree, node, leaf) in leaves)
        {
            for (int k = 0; k < targets; k++)
            {
                wTrees.Add(tree);
                wNodes.Add(node);
                wIds.Add(k);
                weights.Add((float)LeafWeights[leaf][k]);
            }
        }

        string prefix = classifier ? "class" : "target";
        (string, object)[] attributes =
        [
            ("nodes_treeids", treeIds), ("nodes_nodeids", nodeIds), ("nodes_featureids", featureIds), ("nodes_modes", modes),
            ("nodes_values", values), ("nodes_truenodeids", trueIds), ("nodes_falsenodeids", falseIds),
            ($"{prefix}_treeids", wTrees.ToArray()), ($"{prefix}_nodeids", wNodes.ToArray()), ($"{prefix}_ids", wIds.ToArray()),
            ($"{prefix}_weights", weights.ToArray()), ("base_values", BaseValues.Take(targets).ToArray()),
            classifier ? ("classlabels_int64s", Enumerable.Range(0, targets).Select(i => (long)i).ToArray()) : ("n_targets", targets),
        ];
        var builder = new OnnxModelBuilder().Input("X", "N", 3);
        builder = classifier
            ? builder.MlNode("TreeEnsembleClassifier", ["X"], ["label", "Y"], "forest", attributes)
            : builder.MlNode("TreeEnsembleRegressor", ["X"], ["Y"], "forest", attributes);
        return builder.Output("Y", "N", targets).Build();
    }
}
