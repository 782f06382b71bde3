namespace Microsoft.ML.Lrp.MLNet.VariableLength;

/// <summary>
/// An explainer of rows that have lengths of their own (a variable-length vector column, such as token ids of
/// different lengths per row).
/// </summary>
internal interface IRaggedBatchExplainer
{
    /// <summary>
    /// The sequence length of a row of <paramref name="elements"/> values of the explained input, or -1 when no
    /// length gives that many elements (a positive multiple of <see cref="ElementsPerPosition"/>).
    /// </summary>
    int SequenceLength(int elements);

    /// <summary>Elements of the explained input per position of its variable dimension.</summary>
    int ElementsPerPosition { get; }

    /// <summary>
    /// Explains <paramref name="rows"/>, each of its own length, in the given order: the result holds each row's
    /// relevance (of the row's own length) and output, at a stride of the longest row
    /// (<see cref="LrpExplanation.InputLengths"/>, <see cref="LrpExplanation.OutputLengths"/>).
    /// <paramref name="additional"/> gives, per other ONNX input, each row's values (float[], long[] or int[]).
    /// </summary>
    LrpExplanation ExplainRagged(IReadOnlyList<float[]> rows, IReadOnlyList<int>? targets, IReadOnlyDictionary<string, Array[]>? additional);
}
