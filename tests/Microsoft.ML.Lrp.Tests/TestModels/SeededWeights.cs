namespace Microsoft.ML.Lrp.Tests.TestModels;

/// <summary>Deterministic pseudo-random numbers for test weights and inputs (a seeded <see cref="Random"/>).</summary>
internal sealed class SeededWeights
{
    private readonly Random random;

    /// <summary>Creates a generator; the same seed always gives the same sequence.</summary>
    public SeededWeights(int seed) => random = new Random(seed);

    /// <summary>Uniform values in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public float[] Uniform(int count, float low = -1f, float high = 1f)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = low + ((high - low) * (float)random.NextDouble());
        }

        return values;
    }

    /// <summary>He-style weights: uniform in ±√(6 / fanIn), so activations keep their scale through layers.</summary>
    public float[] He(int count, int fanIn)
    {
        float limit = MathF.Sqrt(6f / fanIn);
        return Uniform(count, -limit, limit);
    }

    /// <summary>Uniform values as doubles (for reference inputs).</summary>
    public double[] UniformDouble(int count, double low = -1, double high = 1)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(low + ((high - low) * random.NextDouble()));
        }

        return values;
    }
}
