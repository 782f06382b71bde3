namespace Microsoft.ML.Lrp.Engine;

/// <summary>The tensors fed for the model's inputs besides the explained one, one chunk of rows at a time.</summary>
internal static class AdditionalInputFeeds
{
    /// <summary>
    /// The ONNX tensor of one additional input for rows <paramref name="start"/> .. + <paramref name="count"/> of a call
    /// explaining <paramref name="rows"/> rows: the
    /// rows' slices laid out along its batch axis; for an input without a batch axis, the one tensor the caller gave
    /// (or, given once per row, the chunk's first copy, after checking that the chunk's copies agree).
    /// </summary>
    public static OrtTensor Feed(ModelInputShape input, int rows, int start, int count, IReadOnlyDictionary<string, Array>? additional)
    {
        string name = input.Name;
        if (additional is null || !additional.TryGetValue(name, out var array))
        {
            throw new LrpException($"The model also needs the input '{name}' ({Needs(input)}); pass it in additionalInputs (or as a column named '{name}').");
        }

        int rowLength = input.RowLength;
        int[] shape = input.Shape(count);
        if (!input.HasBatchAxis)
        {
            if (array.Length == rowLength)
            {
                return Slice(name, array, shape, 0, 1, input with { BatchAxis = 0 });
            }

            if (array.Length == rows * rowLength)
            {
                CheckSameRows(name, array, rowLength, start, count);
                return Slice(name, array, shape, start, 1, input with { BatchAxis = 0 });
            }

            throw new LrpException($"The input '{name}' has no batch axis and needs {rowLength} values ({Needs(input)}), given once or once per row; got {array.Length} values for {rows} rows.");
        }

        if (array.Length != rows * rowLength)
        {
            throw new LrpException($"The input '{name}' needs {rowLength} values per row ({Needs(input)}); got {array.Length} values for {rows} rows.");
        }

        return Slice(name, array, shape, start, count, input);
    }

    private static OrtTensor Slice(string name, Array array, int[] shape, int start, int count, ModelInputShape layout) => array switch
    {
        float[] f => new OrtTensor(shape, layout.Gather<float>(f, start, count), null),
        long[] l => new OrtTensor(shape, null, layout.Gather<long>(l, start, count)),
        int[] i => new OrtTensor(shape, null, layout.Gather<int>(i, start, count).Select(v => (long)v).ToArray()),
        _ => throw new LrpException($"The input '{name}' must be given as float[], long[] or int[]; got {array.GetType().Name}."),
    };

    private static void CheckSameRows(string name, Array array, int rowLength, int start, int count)
    {
        for (int r = 1; r < count; r++)
        {
            for (int i = 0; i < rowLength; i++)
            {
                if (!Equals(array.GetValue((start * rowLength) + i), array.GetValue(((start + r) * rowLength) + i)))
                {
                    throw new LrpException($"The input '{name}' has no batch axis, so one value is fed for a whole batch, but row {start + r} differs from row {start} at element {i}. Explain rows with different values of '{name}' in separate calls, or row by row (LrpOptions.BatchSize = 1).");
                }
            }
        }
    }

    private static string Needs(ModelInputShape input) => input.HasBatchAxis
        ? $"[{string.Join(", ", input.RowShape)}] per row, batch axis {input.BatchAxis} of {input.Describe()}"
        : input.Describe();
}
