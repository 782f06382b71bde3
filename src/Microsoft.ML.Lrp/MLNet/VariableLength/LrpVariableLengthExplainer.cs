using System.Numerics;

namespace Microsoft.ML.Lrp.MLNet.VariableLength;

/// <summary>
/// Explains a variable-length column (token ids of different lengths per row) with one explainer per sequence
/// length, built when a length first occurs and kept. With an attention mask that shares the variable dimension,
/// and an explained output that does not follow it, rows are padded (ids, mask and the other inputs of that
/// dimension with zeros, so the mask hides the padding) to the next power of two (at least
/// <see cref="MinPaddedLength"/>) and explained together; otherwise rows are grouped by their exact length (length
/// buckets). Either way each row's relevance has the row's own length, and rows keep their order.
/// </summary>
internal sealed class LrpVariableLengthExplainer : IBatchExplainer, IRaggedBatchExplainer
{
    /// <summary>The shortest padded length, and the length of the explainer that tells the signature.</summary>
    public const int MinPaddedLength = 8;

    private readonly LrpOptions _options;
    private readonly VariableLengthLayout _layout;
    private readonly Func<LrpOptions, IBatchExplainer> _factory;
    private readonly Dictionary<int, IBatchExplainer> _byLength = [];
    private readonly Lock _gate = new();
    private readonly IBatchExplainer _probe;
    private bool _disposed;

    private LrpVariableLengthExplainer(LrpOptions options, VariableLengthLayout layout, Func<LrpOptions, IBatchExplainer> factory)
    {
        _options = options;
        _layout = layout;
        _factory = factory;
        try
        {
            _probe = At(MinPaddedLength);
            // An undeclared output shape (a pooled embedding) is checked at a second length before padding is trusted.
            Pads = layout.MaskInput is not null && !layout.OutputDeclaredFollows
                && (layout.OutputDeclaredFixed || _probe.OutputShape.SequenceEqual(At(2 * MinPaddedLength).OutputShape));
        }
        catch
        {
            Dispose();
            throw;
        }

        FixedOutput = Pads || layout.OutputDeclaredFixed;
        AdditionalInputs = _probe.AdditionalInputs.ToDictionary(
            p => p.Key,
            p => layout.SharedAxes.ContainsKey(p.Key) ? (IReadOnlyList<int>)p.Value.Select((d, a) => a == SharedRowAxis(p.Key) ? 0 : d).ToArray() : p.Value,
            StringComparer.Ordinal);
    }

    /// <summary>True when rows are padded under the attention mask; false for length buckets.</summary>
    public bool Pads { get; }

    /// <summary>True when every row's output has the same length.</summary>
    public bool FixedOutput { get; }

    /// <summary>The sequence lengths explainers have been built for.</summary>
    public IReadOnlyCollection<int> Lengths
    {
        get
        {
            lock (_gate)
            {
                return _byLength.Keys.Order().ToArray();
            }
        }
    }

    public string InputName => _layout.InputName;

    public IReadOnlyList<int> InputShape => _layout.RowShapeAt(0);

    public int InputRowLength => 0;

    public string OutputName => _probe.OutputName;

    public IReadOnlyList<int> OutputShape => FixedOutput ? _probe.OutputShape : [];

    public int OutputRowLength => FixedOutput ? _probe.OutputRowLength : 0;

    public IReadOnlyDictionary<string, IReadOnlyList<int>> AdditionalInputs { get; }

    public IReadOnlyDictionary<string, int> AdditionalInputBatchAxes => _probe.AdditionalInputBatchAxes;

    public bool VariableLength => true;

    public LrpPlanStatistics Statistics => _probe.Statistics;

    public string BackendName => _probe.BackendName;

    public int ElementsPerPosition => _layout.Outer * _layout.Inner;

    /// <summary>
    /// A variable-length explainer when the options leave one variable dimension of the explained input unfixed (see
    /// <see cref="VariableLengthLayout.Detect"/>); null otherwise.
    /// </summary>
    public static IBatchExplainer? TryCreate(LrpOptions options, Func<LrpOptions, IBatchExplainer> factory)
        => VariableLengthLayout.Detect(options) is { } layout ? new LrpVariableLengthExplainer(options, layout, factory) : null;

    public int SequenceLength(int elements)
        => elements > 0 && elements % ElementsPerPosition == 0 ? elements / ElementsPerPosition : -1;

    public LrpExplanation Explain(float[] input, int rows, IReadOnlyList<int>? targets, IReadOnlyDictionary<string, Array>? additionalInputs)
        => throw new InvalidOperationException($"The input '{InputName}' has a variable length: rows of their own lengths go through ExplainRagged.");

    public LrpExplanation ExplainRagged(IReadOnlyList<float[]> rows, IReadOnlyList<int>? targets, IReadOnlyDictionary<string, Array[]>? additional)
    {
        int count = rows.Count;
        var lengths = rows.Select(r => SequenceLength(r.Length)).ToArray();
        if (Array.IndexOf(lengths, -1) is int bad and >= 0)
        {
            throw new LrpException($"Row {bad} of the input '{InputName}' has {rows[bad].Length} values, not a positive multiple of the {ElementsPerPosition} values per position of its variable dimension.");
        }

        int inStride = rows.Max(r => r.Length);
        var relevance = new float[count * inStride];
        var groups = Enumerable.Range(0, count).GroupBy(r => Pads ? PaddedLength(lengths[r]) : lengths[r]).ToArray();
        var results = new (LrpExplanation Explanation, int Row)[count];
        foreach (var group in groups)
        {
            var explanation = ExplainGroup(group.Key, [.. group], rows, lengths, targets, additional);
            int j = 0;
            foreach (int r in group)
            {
                results[r] = (explanation, j);
                Unpad(explanation.RelevanceOf(j), group.Key, lengths[r], _layout.Outer, _layout.Inner, relevance.AsSpan(r * inStride));
                j++;
            }
        }

        int outStride = results.Max(x => x.Explanation.OutputRowLength);
        var output = new float[count * outStride];
        var outLengths = new int[count];
        for (int r = 0; r < count; r++)
        {
            var (explanation, j) = results[r];
            explanation.OutputOf(j).CopyTo(output.AsSpan(r * outStride));
            outLengths[r] = explanation.OutputRowLength;
        }

        return new LrpExplanation(
            count,
            output,
            outStride,
            relevance,
            inStride,
            [.. results.Select(x => x.Explanation.Targets[x.Row])],
            [.. results.Select(x => x.Explanation.Scores[x.Row])],
            [.. results.Select(x => x.Explanation.SeedTotals[x.Row])],
            [.. results.Select(x => x.Explanation.Absorbed[x.Row])],
            null)
        {
            InputLengths = [.. rows.Select(r => r.Length)],
            OutputLengths = outLengths,
        };
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var explainer in _byLength.Values)
            {
                explainer.Dispose();
            }

            _byLength.Clear();
        }
    }

    /// <summary>The padded length of a row of <paramref name="length"/> positions: the next power of two, at least <see cref="MinPaddedLength"/>.</summary>
    public static int PaddedLength(int length) => (int)Math.Max(MinPaddedLength, BitOperations.RoundUpToPowerOf2((uint)length));

    /// <summary>Copies a row of <paramref name="length"/> positions, laid out <c>[outer, length, inner]</c>, into <c>[outer, padded, inner]</c>.</summary>
    internal static void Pad<T>(ReadOnlySpan<T> row, int length, int padded, int outer, int inner, Span<T> destination)
    {
        for (int o = 0; o < outer; o++)
        {
            row.Slice(o * length * inner, length * inner).CopyTo(destination.Slice(o * padded * inner));
        }
    }

    /// <summary>The inverse of <see cref="Pad{T}"/>: the first <paramref name="length"/> positions of each outer block.</summary>
    internal static void Unpad(ReadOnlySpan<float> padded, int paddedLength, int length, int outer, int inner, Span<float> destination)
    {
        for (int o = 0; o < outer; o++)
        {
            padded.Slice(o * paddedLength * inner, length * inner).CopyTo(destination.Slice(o * length * inner));
        }
    }

    private LrpExplanation ExplainGroup(int length, int[] members, IReadOnlyList<float[]> rows, int[] lengths, IReadOnlyList<int>? targets, IReadOnlyDictionary<string, Array[]>? additional)
    {
        var explainer = At(length);
        int rowLength = explainer.InputRowLength;
        var input = new float[members.Length * rowLength];
        for (int j = 0; j < members.Length; j++)
        {
            int r = members[j];
            Pad<float>(rows[r], lengths[r], length, _layout.Outer, _layout.Inner, input.AsSpan(j * rowLength, rowLength));
        }

        Dictionary<string, Array>? feeds = null;
        if (explainer.AdditionalInputs.Count > 0)
        {
            feeds = new Dictionary<string, Array>(StringComparer.Ordinal);
            foreach (var (name, shape) in explainer.AdditionalInputs)
            {
                var perRow = additional?.GetValueOrDefault(name) ?? throw new LrpException($"No values were given for the input '{name}'.");
                feeds[name] = Gather(name, shape, members, perRow, lengths, length);
            }
        }

        int[]? groupTargets = targets is null ? null : [.. members.Select(r => targets[r])];
        return explainer.Explain(input, members.Length, groupTargets, feeds);
    }

    /// <summary>One additional input for a group: each row's values, padded with zeros along the shared dimension.</summary>
    private Array Gather(string name, IReadOnlyList<int> shape, int[] members, Array[] perRow, int[] lengths, int length)
    {
        int rowLength = shape.Aggregate(1, (a, b) => a * b);
        var type = perRow[members[0]].GetType().GetElementType()!;
        var result = Array.CreateInstance(type, members.Length * rowLength);
        int axis = _layout.SharedAxes.ContainsKey(name) ? SharedRowAxis(name) : -1;
        int outer = axis < 0 ? 1 : shape.Take(axis).Aggregate(1, (a, b) => a * b);
        int inner = axis < 0 ? rowLength : shape.Skip(axis + 1).Aggregate(1, (a, b) => a * b);
        for (int j = 0; j < members.Length; j++)
        {
            int r = members[j];
            var values = perRow[r];
            int own = axis < 0 ? rowLength : outer * lengths[r] * inner;
            if (values.Length != own)
            {
                string expected = axis < 0 ? $"{rowLength}" : $"{own} (the length {lengths[r]} of the input '{InputName}' in this row)";
                throw new LrpException($"Row {r} of the batch: the column '{name}' (ONNX input) has {values.Length} values; the model expects {expected}.");
            }

            if (axis < 0)
            {
                Array.Copy(values, 0, result, j * rowLength, rowLength);
                continue;
            }

            for (int o = 0; o < outer; o++)
            {
                Array.Copy(values, o * lengths[r] * inner, result, (j * rowLength) + (o * length * inner), lengths[r] * inner);
            }
        }

        return result;
    }

    /// <summary>The shared dimension's axis in one row of an additional input (its declared axis without the batch axis).</summary>
    private int SharedRowAxis(string name)
    {
        int declared = _layout.SharedAxes[name];
        int batch = _probe.AdditionalInputBatchAxes.GetValueOrDefault(name, -1);
        return batch >= 0 && batch < declared ? declared - 1 : declared;
    }

    private IBatchExplainer At(int length)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_byLength.TryGetValue(length, out var explainer))
            {
                explainer = _factory(_options with { InputRowShape = _layout.RowShapeAt(length) });
                _byLength[length] = explainer;
            }

            return explainer;
        }
    }
}
