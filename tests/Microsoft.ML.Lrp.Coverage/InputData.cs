namespace Microsoft.ML.Lrp.Coverage;

/// <summary>Seeded inputs within the ranges a sidecar gives (the same values on every run and machine).</summary>
internal static class InputData
{
    /// <summary>Float values of <paramref name="input"/> for <paramref name="rows"/> rows (token ids as floats).</summary>
    public static float[] Floats(string model, CorpusInput input, int rows)
    {
        var random = new Random(Seed(model, input.Name));
        var values = new float[input.Length(rows)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = input.Fill is double fill
                ? (float)fill
                : input.IsInteger
                    ? random.NextInt64((long)input.Low, (long)input.High)
                    : (float)(input.Low + (random.NextDouble() * (input.High - input.Low)));
        }

        return values;
    }

    /// <summary>The array <see cref="LrpExplainer.Explain"/> takes for an input that is not explained.</summary>
    public static Array Additional(string model, CorpusInput input, int rows)
    {
        float[] values = Floats(model, input, rows);
        return input.ElementType switch
        {
            "float32" => values,
            "int64" => values.Select(v => (long)v).ToArray(),
            "int32" => values.Select(v => (int)v).ToArray(),
            _ => throw new InvalidDataException($"The input '{input.Name}' of '{model}' has element type '{input.ElementType}'; the benchmark feeds float32, int64 and int32."),
        };
    }

    /// <summary>The explained input's token ids.</summary>
    public static long[] TokenIds(string model, CorpusInput input, int rows) => Floats(model, input, rows).Select(v => (long)v).ToArray();

    // FNV-1a: string.GetHashCode differs between processes.
    private static int Seed(string model, string input)
    {
        uint hash = 2166136261;
        foreach (char c in $"{model}/{input}")
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)(hash & 0x7FFFFFFF);
    }
}
