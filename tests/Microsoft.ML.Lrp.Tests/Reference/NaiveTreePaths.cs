namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// The Saabas path decomposition written plainly: node value = cover-weighted mean of the leaves below (uniform when
/// no covered row reaches it), each split on the path credits its feature with <c>v(child) − v(parent)</c>.
/// </summary>
internal static class NaiveTreePaths
{
    public static NaiveTreeNode Leaf(params double[] weights) => new(0, 0, false, null, null, weights);

    public static NaiveTreeNode Split(int feature, float threshold, NaiveTreeNode whenTrue, NaiveTreeNode whenFalse, bool lessThan = false)
        => new(feature, threshold, lessThan, whenTrue, whenFalse, null);

    /// <summary>Contributions [target][feature] and the base [target] for one row; covers from <paramref name="coverRows"/>.</summary>
    public static (double[][] Contributions, double[] Base, double[] Prediction) Explain(IReadOnlyList<NaiveTreeNode> trees, int targets, int features, float[] row, IReadOnlyList<float[]> coverRows, double[] baseValues)
    {
        var contributions = Enumerable.Range(0, targets).Select(_ => new double[features]).ToArray();
        var baseline = (double[])baseValues.Clone();
        var prediction = (double[])baseValues.Clone();
        foreach (var tree in trees)
        {
            var node = tree;
            for (int k = 0; k < targets; k++)
            {
                baseline[k] += Value(tree, tree, k, coverRows);
            }

            while (!node.IsLeaf)
            {
                var child = GoesTrue(node, row) ? node.True! : node.False!;
                for (int k = 0; k < targets; k++)
                {
                    contributions[k][node.Feature] += Value(child, tree, k, coverRows) - Value(node, tree, k, coverRows);
                }

                node = child;
            }

            for (int k = 0; k < targets; k++)
            {
                prediction[k] += node.Weights![k];
            }
        }

        return (contributions, baseline, prediction);
    }

    private static bool GoesTrue(NaiveTreeNode node, float[] row) => node.LessThan ? row[node.Feature] < node.Threshold : row[node.Feature] <= node.Threshold;

    /// <summary>Rows are counted at a leaf when routing them from the root ends there.</summary>
    private static double Value(NaiveTreeNode node, NaiveTreeNode root, int target, IReadOnlyList<float[]> coverRows)
    {
        var leaves = Leaves(node).ToList();
        var reached = coverRows.Select(r => LeafOf(root, r)).ToList();
        double covered = 0, weighted = 0;
        foreach (var leaf in leaves)
        {
            int count = reached.Count(l => ReferenceEquals(l, leaf));
            covered += count;
            weighted += count * leaf.Weights![target];
        }

        return covered > 0 ? weighted / covered : leaves.Average(l => l.Weights![target]);
    }

    private static NaiveTreeNode LeafOf(NaiveTreeNode node, float[] row)
    {
        while (!node.IsLeaf)
        {
            node = GoesTrue(node, row) ? node.True! : node.False!;
        }

        return node;
    }

    private static IEnumerable<NaiveTreeNode> Leaves(NaiveTreeNode node)
        => node.IsLeaf ? [node] : Leaves(node.True!).Concat(Leaves(node.False!));
}
