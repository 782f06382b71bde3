using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Rules.OnnxMl;

/// <summary>
/// The trees of an <c>ai.onnx.ml.TreeEnsembleRegressor</c> or <c>TreeEnsembleClassifier</c>, flattened: per node its
/// feature, threshold, branch mode and children, per leaf its weights per target (class). Routes a row the way
/// ONNX Runtime does (float comparisons), counts how many rows reach each node (the covers), and gives each node
/// its value per target: a leaf's weight, or the cover-weighted mean of the leaves below an internal node.
/// </summary>
internal sealed class TreeEnsemble
{
    private const int Leaf = -1;
    private readonly int[] _feature;
    private readonly float[] _threshold;
    private readonly byte[] _mode;
    private readonly int[] _true;
    private readonly int[] _false;
    private readonly bool[] _missingTrue;
    private readonly double[] _leafWeights;
    private readonly long[] _covers;
    private double[] _values;

    private TreeEnsemble(int nodes, int targets, int[] roots)
    {
        Targets = targets;
        Roots = roots;
        _feature = new int[nodes];
        _threshold = new float[nodes];
        _mode = new byte[nodes];
        _true = new int[nodes];
        _false = new int[nodes];
        _missingTrue = new bool[nodes];
        _leafWeights = new double[nodes * targets];
        _covers = new long[nodes];
        _values = new double[nodes * targets];
    }

    /// <summary>Scores per row (targets of a regressor, classes of a classifier).</summary>
    public int Targets { get; }

    /// <summary>The root node of each tree.</summary>
    public int[] Roots { get; }

    /// <summary>The largest feature index any split reads.</summary>
    public int MaxFeature => _feature.Length == 0 ? -1 : _feature.Max();

    /// <summary>True once <see cref="CountCovers"/> has seen rows.</summary>
    public bool Calibrated { get; private set; }

    public int Feature(int node) => _feature[node];

    public bool IsLeaf(int node) => _mode[node] == 0;

    public double Value(int node, int target) => _values[(node * Targets) + target];

    public double LeafWeight(int node, int target) => _leafWeights[(node * Targets) + target];

    /// <summary>Reads the ensemble; <paramref name="prefix"/> is <c>target</c> (regressor) or <c>class</c> (classifier).</summary>
    public static TreeEnsemble Read(OnnxNode node, string prefix, int targets)
    {
        long[] treeIds = Ints(node, "nodes_treeids");
        long[] nodeIds = Ints(node, "nodes_nodeids");
        long[] featureIds = Ints(node, "nodes_featureids");
        string[] modes = node.Attributes.TryGetValue("nodes_modes", out var m) ? m.Strings : [];
        float[] values = node.Attributes.TryGetValue("nodes_values", out var v) ? v.Floats : new float[nodeIds.Length];
        long[] trueIds = Ints(node, "nodes_truenodeids");
        long[] falseIds = Ints(node, "nodes_falsenodeids");
        long[] missing = node.Attributes.TryGetValue("nodes_missing_value_tracks_true", out var mt) ? mt.Ints : [];
        if (nodeIds.Length != treeIds.Length || featureIds.Length != treeIds.Length || modes.Length != treeIds.Length)
        {
            throw new LrpException($"Node '{node.Name}' ({node.OpType}) has tree attributes of different lengths (nodes_treeids {treeIds.Length}, nodes_nodeids {nodeIds.Length}, nodes_featureids {featureIds.Length}, nodes_modes {modes.Length}).");
        }

        var index = new Dictionary<(long Tree, long Node), int>();
        for (int i = 0; i < treeIds.Length; i++)
        {
            index[(treeIds[i], nodeIds[i])] = i;
        }

        var trees = treeIds.Distinct().ToList();
        var roots = trees.Select(t => Enumerable.Range(0, treeIds.Length).Where(i => treeIds[i] == t).MinBy(i => nodeIds[i])).ToArray();
        var e = new TreeEnsemble(treeIds.Length, targets, roots);
        for (int i = 0; i < treeIds.Length; i++)
        {
            e._feature[i] = (int)featureIds[i];
            e._threshold[i] = values[i];
            e._missingTrue[i] = i < missing.Length && missing[i] != 0;
            e._mode[i] = modes[i] switch
            {
                "LEAF" => 0,
                "BRANCH_LEQ" => 1,
                "BRANCH_LT" => 2,
                "BRANCH_GTE" => 3,
                "BRANCH_GT" => 4,
                "BRANCH_EQ" => 5,
                "BRANCH_NEQ" => 6,
                _ => throw new LrpException($"Node '{node.Name}' ({node.OpType}) has a split of mode '{modes[i]}', which is not an ONNX-ML tree mode."),
            };
            e._true[i] = e._mode[i] == 0 ? Leaf : index[(treeIds[i], trueIds[i])];
            e._false[i] = e._mode[i] == 0 ? Leaf : index[(treeIds[i], falseIds[i])];
        }

        long[] wTrees = Ints(node, $"{prefix}_treeids");
        long[] wNodes = Ints(node, $"{prefix}_nodeids");
        long[] wIds = Ints(node, $"{prefix}_ids");
        float[] weights = node.Attributes.TryGetValue($"{prefix}_weights", out var w) ? w.Floats : [];
        for (int i = 0; i < wTrees.Length; i++)
        {
            if (wIds[i] < 0 || wIds[i] >= targets)
            {
                throw new LrpException($"Node '{node.Name}' ({node.OpType}) gives a leaf weight to {prefix} {wIds[i]}, outside 0..{targets - 1}.");
            }

            e._leafWeights[(index[(wTrees[i], wNodes[i])] * targets) + (int)wIds[i]] += weights[i];
        }

        e.ComputeValues();
        return e;
    }

    /// <summary>The leaf a row reaches in the tree rooted at <paramref name="root"/>; <paramref name="path"/> receives the nodes passed, root first.</summary>
    public int Route(int root, ReadOnlySpan<float> x, Span<int> path, out int length)
    {
        int node = root;
        length = 0;
        while (true)
        {
            path[length++] = node;
            if (_mode[node] == 0)
            {
                return node;
            }

            float value = x[_feature[node]];
            float t = _threshold[node];
            bool goTrue = float.IsNaN(value) ? _missingTrue[node] : _mode[node] switch
            {
                1 => value <= t,
                2 => value < t,
                3 => value >= t,
                4 => value > t,
                5 => value == t,
                _ => value != t,
            };
            node = goTrue ? _true[node] : _false[node];
        }
    }

    /// <summary>The longest root-to-leaf path (a bound for <see cref="Route"/>'s buffer).</summary>
    public int Depth => _true.Length + 1;

    /// <summary>Rows counted per node (in the order of the node attributes).</summary>
    public long[] Covers => (long[])_covers.Clone();

    /// <summary>Restores covers saved with <see cref="Covers"/> and recomputes the node values.</summary>
    public void SetCovers(long[] covers)
    {
        if (covers.Length != _covers.Length)
        {
            throw new LrpException($"Saved tree covers have {covers.Length} values; the ensemble has {_covers.Length} nodes.");
        }

        covers.CopyTo(_covers, 0);
        Calibrated = covers.Any(c => c > 0);
        ComputeValues();
    }

    /// <summary>Counts the nodes each row passes (rows of <paramref name="features"/> values).</summary>
    public void CountCovers(ReadOnlySpan<float> rows, int features)
    {
        Span<int> path = new int[Depth];
        for (int start = 0; start + features <= rows.Length; start += features)
        {
            var x = rows.Slice(start, features);
            foreach (int root in Roots)
            {
                Route(root, x, path, out int length);
                for (int i = 0; i < length; i++)
                {
                    _covers[path[i]]++;
                }
            }

            Calibrated = true;
        }
    }

    /// <summary>
    /// Node values: a leaf's weight; an internal node's the cover-weighted mean of its leaves (uniform over the
    /// leaves when no row was counted, or where no counted row reached the node).
    /// </summary>
    public void ComputeValues()
    {
        var values = new double[_values.Length];
        foreach (int root in Roots)
        {
            Fill(root, values);
        }

        _values = values;
    }

    private (double[] Weighted, double Cover, double[] Uniform, int Leaves) Fill(int node, double[] values)
    {
        if (_mode[node] == 0)
        {
            var w = new double[Targets];
            for (int k = 0; k < Targets; k++)
            {
                w[k] = _leafWeights[(node * Targets) + k];
                values[(node * Targets) + k] = w[k];
            }

            double cover = _covers[node];
            return (w.Select(x => x * cover).ToArray(), cover, w, 1);
        }

        var a = Fill(_true[node], values);
        var b = Fill(_false[node], values);
        var weighted = new double[Targets];
        var uniform = new double[Targets];
        double total = a.Cover + b.Cover;
        int leaves = a.Leaves + b.Leaves;
        for (int k = 0; k < Targets; k++)
        {
            weighted[k] = a.Weighted[k] + b.Weighted[k];
            uniform[k] = a.Uniform[k] + b.Uniform[k];
            values[(node * Targets) + k] = total > 0 ? weighted[k] / total : uniform[k] / leaves;
        }

        return (weighted, total, uniform, leaves);
    }

    private static long[] Ints(OnnxNode node, string name) => node.Attributes.TryGetValue(name, out var a) ? a.Ints : [];
}
