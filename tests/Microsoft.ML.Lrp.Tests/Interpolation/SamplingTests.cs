using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Lrp.Tests.Transformer;

namespace Microsoft.ML.Lrp.Tests.Interpolation;

/// <summary>
/// GridSample (every mode, padding and align_corners; opsets 16 and 20) and RoiAlign (avg and max; both coordinate
/// conventions): ONNX Runtime equals the naive map, relevance the naive rule, conservation per node. The grid, the
/// boxes are model inputs fed per row, the batch indices computed in the graph: they carry no relevance.
/// </summary>
[TestClass]
public sealed class SamplingTests
{
    private const int Rows = 2, C = 2, H = 4, W = 5;

    public static IEnumerable<object[]> GridCases()
        => from mode in new[] { "bilinear", "nearest", "bicubic" }
           from padding in new[] { "zeros", "border", "reflection" }
           from align in new[] { 0L, 1L }
           select new object[] { 16, mode, padding, align };

    [TestMethod]
    [DynamicData(nameof(GridCases))]
    [DataRow(20, "linear", "zeros", 0L)]
    [DataRow(20, "cubic", "reflection", 1L)]
    [DataRow(20, "nearest", "border", 0L)]
    public void GridSample_EveryModeAndPadding_MatchesOrtAndNaiveRule(int opset, string mode, string padding, long alignCorners)
    {
        const int Ho = 3, Wo = 4;
        var grid = new SeededWeights(5).Uniform(Rows * Ho * Wo * 2, -1.25f, 1.25f);
        var model = new OnnxModelBuilder().Opset(opset).Input("input", "N", C, H, W).Input("grid", "N", Ho, Wo, 2)
            .Node("GridSample", ["input", "grid"], ["output"], "sample", ("mode", mode), ("padding_mode", padding), ("align_corners", alignCorners))
            .Output("output").Build();
        bool selection = mode == "nearest";
        var input = Input(Rows * C * H * W, selection);
        var map = NaiveSampling.GridSample(Rows, C, H, W, grid, Ho, Wo, mode, padding, alignCorners == 1);
        InterpolationHarness.Check(model, input, Rows, map, selection, $"GridSample-{opset}/{mode}/{padding}/{alignCorners}", ReplayInterpolation.GridSample, new Dictionary<string, Array> { ["grid"] = grid });
    }

    [TestMethod]
    [DataRow(16, "avg", 0L, 1f, "half_pixel")]
    [DataRow(16, "avg", 2L, 0.5f, "output_half_pixel")]
    [DataRow(11, "avg", 0L, 0.5f, null)]
    [DataRow(16, "max", 2L, 1f, "half_pixel")]
    [DataRow(11, "max", 0L, 1f, null)]
    public void RoiAlign_AvgIsEpsilonAndMaxRoutesToTheWinner(int opset, string mode, long samplingRatio, float spatialScale, string? coordinate)
    {
        const int Hi = 6, Wi = 7, Ph = 2, Pw = 3;

        // Two boxes per row (so two boxes read each image and their adjoints accumulate), fed as rois [N, 2, 4]; the batch
        // indices [0, 0, 1, 1, …] are computed in the graph from the input's shape. Opset 11 has RoiAlign-10 (no
        // coordinate_transformation_mode: output_half_pixel).
        float[] rois = [0.5f, 1f, 4.5f, 5f, -1f, 0.2f, 8.5f, 3.3f, 2f, 2f, 3f, 3.5f, 0f, 0f, 6.9f, 5.9f];
        long[] batch = [0, 0, 1, 1];
        (string Name, object Value)[] attributes = [("mode", mode), ("output_height", (long)Ph), ("output_width", (long)Pw), ("sampling_ratio", samplingRatio), ("spatial_scale", spatialScale)];
        if (coordinate is not null)
        {
            attributes = [.. attributes, ("coordinate_transformation_mode", coordinate)];
        }

        var model = new OnnxModelBuilder().Opset(opset).Input("input", "N", C, Hi, Wi).Input("rois", "N", 2, 4)
            .Initializer("zero", new long[] { 0 }).Initializer("one", new long[] { 1 })
            .Initializer("column", new long[] { -1, 1 }, 2).Initializer("pair", new long[] { 1, 2 }, 2).Initializer("flat", new long[] { -1 }, 1)
            .Initializer("box", new long[] { -1, 4 }, 2).Initializer("merged", new long[] { -1, 2 * C, Ph, Pw }, 4)
            .Node("Shape", "input", "shape", "shape")
            .Node("Gather", ["shape", "zero"], ["n"], "n", ("axis", 0L))
            .Node("Range", ["zero", "n", "one"], ["images"], "images")
            .Node("Reshape", ["images", "column"], ["images_column"], "images_column")
            .Node("Expand", ["images_column", "pair"], ["images_pairs"], "images_pairs")
            .Node("Reshape", ["images_pairs", "flat"], ["batch_indices"], "batch_indices")
            .Node("Reshape", ["rois", "box"], ["boxes"], "boxes")
            .Node("RoiAlign", ["input", "boxes", "batch_indices"], ["aligned"], "align", attributes)
            .Node("Reshape", ["aligned", "merged"], ["output"], "per_row")
            .Output("output").Build();
        bool max = mode == "max";
        var input = Input(Rows * C * Hi * Wi, max);
        bool halfPixel = (coordinate ?? (opset >= 16 ? "half_pixel" : "output_half_pixel")) == "half_pixel";
        var map = NaiveSampling.RoiAlign(input, C, Hi, Wi, rois, batch, Ph, Pw, (int)samplingRatio, spatialScale, halfPixel, max);
        InterpolationHarness.Check(model, input, Rows, map, max, $"RoiAlign-{opset}/{mode}/{samplingRatio}/{spatialScale}/{coordinate}", null, new Dictionary<string, Array> { ["rois"] = rois });
    }

    [TestMethod]
    [DataRow("linear", "zeros", 0L)]
    [DataRow("linear", "reflection", 1L)]
    [DataRow("nearest", "border", 0L)]
    [DataRow("nearest", "reflection", 0L)]
    public void GridSample_Volume_MatchesOrtAndNaiveRule(string mode, string padding, long alignCorners)
    {
        int[] dims = [3, 4, 2], outDims = [2, 3, 2];
        var grid = new SeededWeights(6).Uniform(Rows * 12 * 3, -1.25f, 1.25f);
        var model = new OnnxModelBuilder().Opset(20).Input("input", "N", C, 3, 4, 2).Input("grid", "N", 2, 3, 2, 3)
            .Node("GridSample", ["input", "grid"], ["output"], "sample", ("mode", mode), ("padding_mode", padding), ("align_corners", alignCorners))
            .Output("output").Build();
        bool selection = mode == "nearest";
        var input = Input(Rows * C * 24, selection);
        var map = NaiveSampling.GridSample3D(Rows, C, dims, grid, outDims, mode, padding, alignCorners == 1);
        InterpolationHarness.Check(model, input, Rows, map, selection, $"GridSample-3D/{mode}/{padding}/{alignCorners}", ReplayInterpolation.GridSample, new Dictionary<string, Array> { ["grid"] = grid });
    }

    /// <summary>Mixed signs for selections; [1, 3) for the Epsilon forms (no output near 0, where Epsilon is ill-conditioned).</summary>
    private static float[] Input(int count, bool selection) => RuleHarness.Input(count, 41).Select(v => selection ? v : v + 2f).ToArray();
}
