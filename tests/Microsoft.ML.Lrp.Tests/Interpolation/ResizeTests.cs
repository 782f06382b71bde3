using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Lrp.Tests.Transformer;

namespace Microsoft.ML.Lrp.Tests.Interpolation;

/// <summary>
/// Resize and Upsample, every mode and coordinate transformation: ONNX Runtime's output equals the naive map and the
/// engine's map; relevance equals the naive rule (routing for nearest, Epsilon on the map for linear and cubic);
/// per-node conservation holds.
/// </summary>
[TestClass]
public sealed class ResizeTests
{
    private const int Rows = 2, C = 2, H = 4, W = 5;

    public static IEnumerable<object[]> NearestCases()
        => from coordinate in Coordinates
           from nearest in new[] { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" }
           from scales in new[] { (1.5, 0.75), (0.625, 2.5) }
           select new object[] { coordinate, nearest, scales.Item1, scales.Item2 };

    public static IEnumerable<object[]> LinearCases()
        => from coordinate in Coordinates
           from scales in new[] { (1.5, 0.75), (0.625, 2.5), (2.0, 2.0) }
           select new object[] { coordinate, scales.Item1, scales.Item2 };

    public static IEnumerable<object[]> CubicCases()
        => from coordinate in Coordinates
           from form in new[] { (-0.75, 0L), (-0.5, 1L) }
           select new object[] { coordinate, form.Item1, form.Item2 };

    private static readonly string[] Coordinates = ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"];

    [TestMethod]
    [DynamicData(nameof(NearestCases))]
    public void Resize_Nearest_RoutesToTheCopiedElement(string coordinate, string nearest, double scaleH, double scaleW)
        => CheckScales(new NaiveResize { Mode = "nearest", Coordinate = coordinate, Nearest = nearest }, scaleH, scaleW, ("nearest_mode", nearest));

    [TestMethod]
    [DynamicData(nameof(LinearCases))]
    public void Resize_Linear_IsEpsilonOnTheInterpolationMap(string coordinate, double scaleH, double scaleW)
        => CheckScales(new NaiveResize { Mode = "linear", Coordinate = coordinate }, scaleH, scaleW);

    [TestMethod]
    [DynamicData(nameof(CubicCases))]
    public void Resize_Cubic_IsEpsilonOnTheInterpolationMap(string coordinate, double a, long exclude)
        => CheckScales(new NaiveResize { Mode = "cubic", Coordinate = coordinate, CubicA = a, ExcludeOutside = exclude == 1 }, 1.5, 1.75, ("cubic_coeff_a", (float)a), ("exclude_outside", exclude));

    [TestMethod]
    [DataRow("nearest")]
    [DataRow("linear")]
    [DataRow("cubic")]
    public void Resize_TfCropAndResize_ExtrapolatedOutputsAreAbsorbed(string mode)
    {
        float[] roi = [0, 0, -0.2f, 0.1f, 1, 1, 0.9f, 1.3f];
        var naive = new NaiveResize { Mode = mode, Coordinate = "tf_crop_and_resize", Extrapolation = 2.5 };
        var model = new OnnxModelBuilder().Opset(19).Input("input", "N", C, H, W)
            .Initializer("roi", roi, 8).Initializer("scales", [1f, 1f, 1.5f, 1.2f], 4)
            .Node("Resize", ["input", "roi", "scales"], ["output"], "resize", ("mode", mode), ("coordinate_transformation_mode", "tf_crop_and_resize"), ("extrapolation_value", 2.5f))
            .Output("output").Build();
        var (a, constant) = naive.Plane(H, W, 6, 6, 1.5f, 1.2f, [roi[2], roi[3], roi[6], roi[7]]);
        Assert.IsGreaterThan(0, constant.Count(v => v != 0), "some outputs are extrapolated");
        Check(model, a, constant, 6 * 6, mode == "nearest", $"tf_crop_and_resize/{mode}");
    }

    [TestMethod]
    [DataRow("stretch", 7L, 9L, 7, 9)]
    [DataRow("not_larger", 7L, 7L, 6, 7)]
    [DataRow("not_smaller", 6L, 6L, 6, 8)]
    public void Resize_SizesWithAxesAndAspectPolicy_UsesTheDerivedScales(string policy, long sizeH, long sizeW, int oh, int ow)
    {
        float scaleH = (float)sizeH / H, scaleW = (float)sizeW / W;
        if (policy != "stretch")
        {
            scaleH = scaleW = policy == "not_larger" ? Math.Min(scaleH, scaleW) : Math.Max(scaleH, scaleW);
        }

        var model = new OnnxModelBuilder().Opset(18).Input("input", "N", C, H, W).Initializer("sizes", [sizeH, sizeW], 2)
            .Node("Resize", ["input", "", "", "sizes"], ["output"], "resize", ("mode", "linear"), ("axes", new long[] { 2, 3 }), ("keep_aspect_ratio_policy", policy))
            .Output("output").Build();
        var (a, constant) = new NaiveResize { Mode = "linear" }.Plane(H, W, oh, ow, scaleH, scaleW);
        Check(model, a, constant, oh * ow, false, $"sizes/{policy}");
    }

    [TestMethod]
    [DataRow("nearest")]
    [DataRow("linear")]
    public void Resize_SizesComputedInTheGraph_AreReadFromTheRun(string mode)
    {
        // sizes = Shape(input) · [1, 1, 2, 2], as exports of F.interpolate(size=…) compute them: a captured parameter.
        var model = new OnnxModelBuilder().Opset(13).Input("input", "N", C, H, W).Initializer("factor", new long[] { 1, 1, 2, 2 }, 4)
            .Node("Shape", "input", "shape", "shape")
            .Node("Mul", ["shape", "factor"], ["sizes"], "sizes")
            .Node("Resize", ["input", "", "", "sizes"], ["output"], "resize", ("mode", mode), ("coordinate_transformation_mode", "pytorch_half_pixel"))
            .Output("output").Build();
        var (a, constant) = new NaiveResize { Mode = mode, Coordinate = "pytorch_half_pixel" }.Plane(H, W, 2 * H, 2 * W, 2, 2);
        var input = RuleHarness.Input(Rows * C * H * W, 32).Select(v => mode == "nearest" ? v : v + 2f).ToArray();
        InterpolationHarness.Check(model, input, Rows, InterpolationHarness.PerPlane(a, constant, Rows * C), mode == "nearest", $"computed sizes/{mode}");
    }

    [TestMethod]
    [DataRow("Resize", 10, "nearest")]
    [DataRow("Resize", 10, "linear")]
    [DataRow("Upsample", 9, "nearest")]
    [DataRow("Upsample", 9, "linear")]
    [DataRow("Upsample", 7, "nearest")]
    [DataRow("Upsample", 7, "linear")]
    public void ResizeAndUpsample_LegacyOpsets_UseAsymmetricCoordinates(string op, int opset, string mode)
    {
        float[] scales = [1f, 1f, 2f, 1.5f];
        var builder = new OnnxModelBuilder().Opset(opset).Input("input", "N", C, H, W);
        builder = opset == 7
            ? builder.Node(op, ["input"], ["output"], "resize", ("mode", mode), ("scales", scales))
            : builder.Initializer("scales", scales, 4).Node(op, ["input", "scales"], ["output"], "resize", ("mode", mode));
        var model = builder.Output("output").Build();
        var (a, constant) = new NaiveResize { Mode = mode, Coordinate = "asymmetric", Nearest = "simple" }.Plane(H, W, 8, 7, 2, 1.5);
        Check(model, a, constant, 8 * 7, mode == "nearest", $"{op}-{opset}/{mode}");
    }

    [TestMethod]
    [DataRow("linear", 0.5, 0.6, 0L, -0.75)]
    [DataRow("linear", 0.75, 1.5, 1L, -0.75)]
    [DataRow("cubic", 0.5, 0.6, 0L, -0.75)]
    [DataRow("cubic", 0.625, 2.0, 1L, -0.5)]
    public void Resize_Antialias_IsEpsilonOnTheFilteredMap(string mode, double scaleH, double scaleW, long exclude, double a)
    {
        const int Hi = 8, Wi = 10;
        int oh = (int)Math.Floor(scaleH * Hi), ow = (int)Math.Floor((float)scaleW * Wi);
        var model = new OnnxModelBuilder().Opset(18).Input("input", "N", C, Hi, Wi).Initializer("scales", [1f, 1f, (float)scaleH, (float)scaleW], 4)
            .Node("Resize", ["input", "", "scales"], ["output"], "resize", ("mode", mode), ("antialias", 1L), ("exclude_outside", exclude), ("cubic_coeff_a", (float)a))
            .Output("output").Build();
        var naive = new NaiveResize { Mode = mode, Antialias = true, ExcludeOutside = exclude == 1, CubicA = a };
        var (map, constant) = naive.Plane(Hi, Wi, oh, ow, scaleH, (float)scaleW);
        var input = RuleHarness.Input(Rows * C * Hi * Wi, 33).Select(v => v + 2f).ToArray();
        InterpolationHarness.Check(model, input, Rows, InterpolationHarness.PerPlane(map, constant, Rows * C), false, $"antialias/{mode}/{scaleH}x{scaleW}/{exclude}/{a}", ReplayInterpolation.Resize);
    }

    private static void CheckScales(NaiveResize naive, double scaleH, double scaleW, params (string, object)[] extra)
    {
        int oh = (int)Math.Floor(scaleH * H), ow = (int)Math.Floor(scaleW * W);
        var model = new OnnxModelBuilder().Opset(19).Input("input", "N", C, H, W)
            .Initializer("scales", [1f, 1f, (float)scaleH, (float)scaleW], 4)
            .Node("Resize", ["input", "", "scales"], ["output"], "resize", [("mode", naive.Mode), ("coordinate_transformation_mode", naive.Coordinate), .. extra])
            .Output("output").Build();
        var (a, constant) = naive.Plane(H, W, oh, ow, scaleH, scaleW);
        Check(model, a, constant, oh * ow, naive.Mode == "nearest", $"{naive.Mode}/{naive.Coordinate}/{naive.Nearest}/{scaleH}x{scaleW}");
    }

    private static void Check(byte[] model, double[,] a, double[] constant, int outPlane, bool selection, string what)
    {
        // Mixed signs for the selections; for the Epsilon forms inputs in [1, 3), so no output is near 0 (where Epsilon is ill-conditioned and
        // float and double quotients part).
        var input = RuleHarness.Input(Rows * C * H * W, 31).Select(v => selection ? v : v + 2f).ToArray();
        Assert.AreEqual(outPlane, a.GetLength(0));
        InterpolationHarness.Check(model, input, Rows, InterpolationHarness.PerPlane(a, constant, Rows * C), selection, what, ReplayInterpolation.Resize);
    }
}
