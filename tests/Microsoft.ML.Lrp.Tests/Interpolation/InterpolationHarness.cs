using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Tensors;
using Microsoft.ML.Lrp.Tests.Transformer;
using static Microsoft.ML.Lrp.Tests.Reference.NaiveTransformerFormulas;

namespace Microsoft.ML.Lrp.Tests.Interpolation;

/// <summary>
/// Checks one interpolating node against a dense naive map <c>y = A x + c</c> per plane group: (a) ONNX Runtime's output
/// equals the naive forward (the geometry is right), (a') the engine's own map (its replay kernel) equals ONNX Runtime's
/// output, (b) the engine's relevance equals the naive rule (Epsilon on A, or routing for selections), (c) per-node
/// conservation.
/// </summary>
internal static class InterpolationHarness
{
    /// <summary>A dense naive map: for output element o of the whole tensor, its (input element, weight) terms and constant.</summary>
    public sealed record DenseMap(List<(int Input, double Weight)>[] Terms, double[] Constant);

    /// <summary>Expands a per-plane map over <paramref name="planes"/> planes.</summary>
    public static DenseMap PerPlane(double[,] a, double[] constant, int planes)
    {
        int rows = a.GetLength(0), columns = a.GetLength(1);
        var terms = new List<(int, double)>[planes * rows];
        var c = new double[planes * rows];
        for (int p = 0; p < planes; p++)
        {
            for (int r = 0; r < rows; r++)
            {
                var list = terms[(p * rows) + r] = [];
                for (int k = 0; k < columns; k++)
                {
                    if (a[r, k] != 0)
                    {
                        list.Add(((p * columns) + k, a[r, k]));
                    }
                }

                c[(p * rows) + r] = constant[r];
            }
        }

        return new DenseMap(terms, c);
    }

    public static double[] Forward(DenseMap map, float[] x)
        => map.Terms.Select((t, o) => t.Sum(e => e.Weight * x[e.Input]) + map.Constant[o]).ToArray();

    /// <summary>Epsilon on the map (<c>R_x = x ⊙ Aᵀ(R / stab(A x + c))</c>) or, for a selection, routing (<c>R_x = Aᵀ R</c>).</summary>
    public static double[] Relevance(DenseMap map, float[] x, double[] r, bool selection)
    {
        var rx = new double[x.Length];
        for (int o = 0; o < map.Terms.Length; o++)
        {
            if (selection)
            {
                foreach (var (i, _) in map.Terms[o])
                {
                    rx[i] += r[o];
                }

                continue;
            }

            double z = map.Terms[o].Sum(e => e.Weight * x[e.Input]) + map.Constant[o];
            double s = r[o] / Stab(z);
            foreach (var (i, w) in map.Terms[o])
            {
                rx[i] += x[i] * w * s;
            }
        }

        return rx;
    }

    /// <summary>Runs (a), (a'), (b), (c) for a model whose explained output is the node's output.</summary>
    public static void Check(byte[] model, float[] input, int rows, DenseMap map, bool selection, string what, Func<ReplayInputs, Tensor>? replay = null, IReadOnlyDictionary<string, Array>? additional = null)
    {
        var (result, r) = RuleHarness.Explain(model, input, rows, LrpComposite.Epsilon, additional: additional);
        var expectedY = Forward(map, input);
        AssertClose(expectedY, result.Output, $"{what}: naive forward versus ONNX Runtime");
        if (replay is not null)
        {
            var engineY = EngineForward(model, input, rows, result.Output.Length, replay, additional);
            AssertClose(result.Output.Select(v => (double)v).ToArray(), engineY, $"{what}: engine map versus ONNX Runtime");
        }

        RuleHarness.AssertMatches(Relevance(map, input, r, selection), result, what);
    }

    /// <summary>The engine's own forward map (the node's replay kernel on the CPU backend) for the single interpolating node.</summary>
    public static float[] EngineForward(byte[] model, float[] input, int rows, int outputLength, Func<ReplayInputs, Tensor> replay, IReadOnlyDictionary<string, Array>? additional = null)
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = model });
        var graph = explainer.Plan.Graph;
        var node = graph.RelevanceNodes.Single(n => n.OpType is "Resize" or "Upsample" or "GridSample" or "RoiAlign" or "DepthToSpace" or "SpaceToDepth");
        int[] inShape = [rows, .. explainer.Plan.Shapes.Shape(node.Inputs[0], rows)[1..]];
        int[] outShape = explainer.Plan.Shapes.Shape(node.Outputs[0], rows);
        Assert.AreEqual(outputLength, outShape.Aggregate(1, (a, b) => a * b), $"output shape [{string.Join(", ", outShape)}]");
        var inputs = new ReplayInputs(
            node,
            new CpuBackend(),
            rows,
            name => name == node.Inputs[0] ? new Tensor(inShape, input)
                : additional?.GetValueOrDefault(name) is float[] fed ? new Tensor([rows, .. explainer.Plan.Shapes.Shape(name, rows)[1..]], fed)
                : graph.Constants.GetFloat(name),
            name => additional?.GetValueOrDefault(name) is long[] ids ? ids : graph.Constants.GetInt64s(name),
            name => name == node.Outputs[0] ? outShape : name == node.Inputs[0] ? inShape : graph.Constants.Contains(name) ? graph.Constants.Get(name).Shape : explainer.Plan.Shapes.Shape(name, rows));
        return replay(inputs).Data;
    }

    public static void AssertClose(double[] expected, float[] actual, string what, double tolerance = 2e-5)
    {
        Assert.HasCount(expected.Length, actual, what);
        double scale = Math.Max(1e-6, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], tolerance * scale, $"{what}: element {i}");
        }
    }
}
