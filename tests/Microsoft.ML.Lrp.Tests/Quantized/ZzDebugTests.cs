using Microsoft.ML.Lrp.Tests.Fused;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Quantized;

[TestClass]
public sealed class ZzDebugTests
{
    [TestMethod]
    [DataRow(true, 0, false, false)]
    [DataRow(true, -1, false, false)]
    [DataRow(true, 0, true, false)]
    [DataRow(true, 0, false, true)]
    [DataRow(false, -1, false, false)]
    public void Debug(bool signed, int axis, bool bias, bool stride)
    {
        var w = QuantizedTensor.Quantize(new SeededWeights(2).He(4 * 2 * 3 * 3, 18), [4, 2, 3, 3], signed, axis);
        var b = new OnnxModelBuilder(3).Opset(13).Input("x", "N", 2, 6, 6)
            .Initializer(QuantizedTensor.Scalar("xs", 2f / 255f))
            .Initializer(QuantizedTensor.Bytes("xzp", [128], [], false))
            .Initializer(QuantizedTensor.Scalar("ys", 0.04f))
            .Initializer(QuantizedTensor.Bytes("yzp", [120], [], false))
            .Node("QuantizeLinear", ["x", "xs", "xzp"], ["xq"], "quant_x")
            .Initializer(w.ValuesTensor("wq")).Initializer(w.ScaleTensor("ws")).Initializer(w.ZeroPointTensor("wzp"))
            .Initializer(QuantizedTensor.Int32s("bq", [5, -30, 12, 0], 4));
        string[] ins = bias ? ["xq", "xs", "xzp", "wq", "ws", "wzp", "ys", "yzp", "bq"] : ["xq", "xs", "xzp", "wq", "ws", "wzp", "ys", "yzp"];
        if (stride)
        {
            b.Node("QLinearConv", ins, ["yq"], "qconv", ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }));
        }
        else
        {
            b.Node("QLinearConv", ins, ["yq"], "qconv");
        }

        byte[] model = b.Node("DequantizeLinear", ["yq", "ys", "yzp"], ["y"], "dequant_y").Output("y").Build();
        var feed = new Dictionary<string, FeedValue> { ["x"] = new FeedValue(new SeededWeights(9).Uniform(72, -1f, 1f), [1, 2, 6, 6]) };
        double[] e = FusedRunner.Run(model, feed, "y")[0];
        double[] a = FusedRunner.Run(FusedRunner.Decompose(model), feed, "y")[0];
        double worst = e.Zip(a, (p, q) => Math.Abs(p - q)).Max() / 0.04;
        Console.WriteLine($"DEBUG signed={signed} axis={axis} bias={bias} stride={stride}: worst {worst} steps; e[0..6]={string.Join(",", e.Take(6))} a={string.Join(",", a.Take(6))}");
        Assert.IsGreaterThanOrEqualTo(0.0, worst);
    }
}
