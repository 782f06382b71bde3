using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Lrp.Tests.Transformer;

namespace Microsoft.ML.Lrp.Tests.Interpolation;

/// <summary>DepthToSpace (DCR, CRD) and SpaceToDepth route relevance back along the permutation the specification defines.</summary>
[TestClass]
public sealed class PixelShuffleTests
{
    private const int Rows = 2, B = 2;

    [TestMethod]
    [DataRow("DCR")]
    [DataRow("CRD")]
    public void DepthToSpace_RoutesAlongThePermutation(string mode)
    {
        const int C = 8, H = 2, W = 3, Co = C / (B * B);
        var model = new OnnxModelBuilder().Input("input", "N", C, H, W)
            .Node("DepthToSpace", ["input"], ["output"], "shuffle", ("blocksize", (long)B), ("mode", mode))
            .Output("output", "N", Co, H * B, W * B).Build();
        var terms = new List<(int, double)>[Rows * C * H * W];
        for (int n = 0; n < Rows; n++)
        {
            for (int c = 0; c < Co; c++)
            {
                for (int y = 0; y < H * B; y++)
                {
                    for (int x = 0; x < W * B; x++)
                    {
                        int i = y % B, j = x % B;
                        int source = mode == "DCR" ? (((i * B) + j) * Co) + c : (c * B * B) + (i * B) + j;
                        int input = (((n * C) + source) * H * W) + ((y / B) * W) + (x / B);
                        terms[(((n * Co) + c) * H * B * W * B) + (y * W * B) + x] = [(input, 1.0)];
                    }
                }
            }
        }

        Check(model, terms, $"DepthToSpace/{mode}");
    }

    [TestMethod]
    public void SpaceToDepth_RoutesAlongThePermutation()
    {
        const int C = 2, H = 4, W = 6, Co = C * B * B;
        var model = new OnnxModelBuilder().Input("input", "N", C, H, W)
            .Node("SpaceToDepth", ["input"], ["output"], "unshuffle", ("blocksize", (long)B))
            .Output("output", "N", Co, H / B, W / B).Build();
        var terms = new List<(int, double)>[Rows * C * H * W];
        for (int n = 0; n < Rows; n++)
        {
            for (int o = 0; o < Co; o++)
            {
                int c = o % C, block = o / C, i = block / B, j = block % B;
                for (int y = 0; y < H / B; y++)
                {
                    for (int x = 0; x < W / B; x++)
                    {
                        int input = (((n * C) + c) * H * W) + (((y * B) + i) * W) + (x * B) + j;
                        terms[(((n * Co) + o) * (H / B) * (W / B)) + (y * (W / B)) + x] = [(input, 1.0)];
                    }
                }
            }
        }

        Check(model, terms, "SpaceToDepth");
    }

    private static void Check(byte[] model, List<(int, double)>[] terms, string what)
    {
        var input = RuleHarness.Input(terms.Length, 51);
        var map = new InterpolationHarness.DenseMap(terms, new double[terms.Length]);
        InterpolationHarness.Check(model, input, Rows, map, true, what, i => ReplayMovement.Route(i, i.OutputShape));
        Assert.IsTrue(terms.All(t => t.Count == 1), "a permutation: one source per output");
    }
}
