namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// The GELU family, written as the gate products that exporters emit, so that the gating rule applies
/// (the signal <c>x</c> times a function of <c>x</c>):
/// <list type="bullet">
/// <item><c>Gelu(x) = x · 0.5·(1 + erf(x/√2))</c>: Div, Erf, Add, Mul, Mul.</item>
/// <item><c>BiasGelu(a, b) = Gelu(a + b)</c>.</item>
/// <item><c>FastGelu(x[, bias]) = x · 0.5·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c>, with the optional bias added first.</item>
/// <item><c>QuickGelu(x) = x · σ(α·x)</c>, α from the attribute <c>alpha</c> (1.702 when absent).</item>
/// </list>
/// </summary>
internal sealed class GeluDecomposer : IFusedOpDecomposer
{
    private const float Sqrt2 = 1.4142135623730951f;
    private const float Sqrt2OverPi = 0.7978845608028654f;
    private const float CubicCoefficient = 0.044715f;
    private const float QuickGeluDefaultAlpha = 1.702f;

    public IReadOnlyList<string> OpTypes { get; } = ["Gelu", "BiasGelu", "FastGelu", "QuickGelu"];

    public void Decompose(FusedGraphBuilder b)
    {
        string x = b.Input(0);
        string y = b.Output(0);
        switch (b.Fused.OpType)
        {
            case "Gelu":
                ErfGelu(b, x, y);
                break;
            case "BiasGelu":
                ErfGelu(b, b.Add(x, b.Input(1)), y);
                break;
            case "FastGelu":
                TanhGelu(b, b.Input(1).Length > 0 ? b.Add(x, b.Input(1)) : x, y);
                break;
            default:
                float alpha = b.Fused.GetFloat("alpha", QuickGeluDefaultAlpha);
                string scaled = alpha == 1f ? x : b.Mul(x, b.Scalar(alpha));
                b.Mul(x, b.Op("Sigmoid", [scaled]), y);
                break;
        }
    }

    /// <summary>x · (0.5·(1 + erf(x/√2))), the gate computed from x alone.</summary>
    private static void ErfGelu(FusedGraphBuilder b, string x, string y)
    {
        string erf = b.Op("Erf", [b.Div(x, b.Scalar(Sqrt2))]);
        string gate = b.Mul(b.Add(erf, b.Scalar(1f)), b.Scalar(0.5f));
        b.Mul(x, gate, y);
    }

    private static void TanhGelu(FusedGraphBuilder b, string x, string y)
    {
        string cube = b.Mul(b.Mul(x, x), x);
        string inner = b.Add(x, b.Mul(cube, b.Scalar(CubicCoefficient)));
        string tanh = b.Op("Tanh", [b.Mul(inner, b.Scalar(Sqrt2OverPi))]);
        string gate = b.Mul(b.Add(tanh, b.Scalar(1f)), b.Scalar(0.5f));
        b.Mul(x, gate, y);
    }
}
