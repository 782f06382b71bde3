namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// A linear node written out as its list of connections: <c>z[o] = Σ weight·x[in] + bias[o]</c> over the
/// connections (o, in, weight). Gemm, MatMul with a constant, Conv, ConvTranspose and average pools all become one,
/// so the forward pass and every relevance rule are the same few loops. Padding has no connection (counts 0).
/// </summary>
internal sealed class LinearMap
{
    private readonly List<int> outputs = [];
    private readonly List<int> inputs = [];
    private readonly List<double> weights = [];

    /// <summary>Creates an empty map.</summary>
    public LinearMap(int inputSize, int[] outputShape)
    {
        InputSize = inputSize;
        OutputShape = outputShape;
        Bias = new double[ReferenceTensor.SizeOf(outputShape)];
    }

    /// <summary>The number of input elements.</summary>
    public int InputSize { get; }

    /// <summary>The output shape.</summary>
    public int[] OutputShape { get; }

    /// <summary>The number of output elements.</summary>
    public int OutputSize => Bias.Length;

    /// <summary>The bias per output element (zero where the node has none).</summary>
    public double[] Bias { get; }

    /// <summary>The number of connections.</summary>
    public int Count => weights.Count;

    /// <summary>Adds a connection.</summary>
    public void Connect(int output, int input, double weight)
    {
        outputs.Add(output);
        inputs.Add(input);
        weights.Add(weight);
    }

    /// <summary>Multiplies the weights and bias of each output by <paramref name="scale"/>[channel(o)] and adds <paramref name="shift"/> to the bias.</summary>
    public void ScaleOutputs(Func<int, double> scale, Func<int, double> shift)
    {
        for (int c = 0; c < weights.Count; c++)
        {
            weights[c] *= scale(outputs[c]);
        }

        for (int o = 0; o < Bias.Length; o++)
        {
            Bias[o] = (Bias[o] * scale(o)) + shift(o);
        }
    }

    /// <summary><c>Σ wMod(w)·x[in] + bias[o]</c> for every output.</summary>
    public double[] Apply(Func<double, double> weightModifier, double[] x, double[]? bias)
    {
        var z = bias is null ? new double[OutputSize] : (double[])bias.Clone();
        for (int c = 0; c < weights.Count; c++)
        {
            z[outputs[c]] += weightModifier(weights[c]) * x[inputs[c]];
        }

        return z;
    }

    /// <summary>The transposed map: <c>Σ_o wMod(w)·s[o]</c> for every input.</summary>
    public double[] ApplyTransposed(Func<double, double> weightModifier, double[] s)
    {
        var result = new double[InputSize];
        for (int c = 0; c < weights.Count; c++)
        {
            result[inputs[c]] += weightModifier(weights[c]) * s[outputs[c]];
        }

        return result;
    }
}
