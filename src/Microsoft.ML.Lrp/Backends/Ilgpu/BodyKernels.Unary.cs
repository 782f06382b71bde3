using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>The replays' unary functions (<see cref="DeviceMath"/>) and the MaxPool winners' gather.</summary>
internal static partial class BodyKernels
{
    /// <summary><c>y = f(x)</c>, <paramref name="function"/> the value of <c>UnaryFunction</c> (Erf, Sqrt, Reciprocal, Exp, Abs, Sigmoid, Tanh, Neg, Log).</summary>
    public static void Unary(Index1D i, ArrayView<float> x, ArrayView<float> y, int function)
    {
        float v = x[i];
        y[i] = function switch
        {
            0 => DeviceMath.Erf(v),
            1 => MathF.Sqrt(v),
            2 => 1f / v,
            3 => DeviceMath.Exp(v),
            4 => DeviceMath.Abs(v),
            5 => DeviceMath.Sigmoid(v),
            6 => DeviceMath.Tanh(v),
            7 => -v,
            _ => DeviceMath.Log(v),
        };
    }

    /// <summary><c>y[i] = x[winner[i]]</c>, −∞ for a window without a winner (winner −1).</summary>
    public static void GatherWinners(Index1D i, ArrayView<float> x, ArrayView<int> winners, ArrayView<float> y)
    {
        int w = winners[i];
        y[i] = w < 0 ? float.NegativeInfinity : x[w];
    }
}
