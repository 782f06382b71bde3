namespace Microsoft.ML.Lrp.Tests.TestModels;

/// <summary>A test model: its ONNX bytes and what the reference and the tests need to run it.</summary>
/// <param name="Name">The factory's name (unique).</param>
/// <param name="Model">The ONNX model bytes.</param>
/// <param name="InputShape">A concrete input shape (the batch dimension included) to run it with.</param>
internal sealed record TestNetwork(string Name, byte[] Model, int[] InputShape)
{
    /// <summary>The explained input's name.</summary>
    public string InputName { get; init; } = "input";

    /// <summary>The explained output's name.</summary>
    public string OutputName { get; init; } = "output";

    /// <summary>Whether any linear node, folded BatchNormalization or Add has a non-zero constant term.</summary>
    public bool HasBiases { get; init; } = true;

    /// <summary>The names of the nodes that are first layers (for composites).</summary>
    public IReadOnlyList<string> FirstLayers { get; init; } = [];

    /// <summary>The number of input elements.</summary>
    public int InputSize => InputShape.Aggregate(1, (a, b) => a * b);

    /// <summary>A deterministic random input in [low, high) (values exactly representable as float).</summary>
    public double[] RandomInput(int seed, double low = -1, double high = 1) => new SeededWeights(seed).UniformDouble(InputSize, low, high);
}
