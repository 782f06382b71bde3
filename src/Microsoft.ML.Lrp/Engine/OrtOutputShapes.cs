namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// The output shapes an <see cref="OrtRunner"/> saw for each input-shape signature, when every output was a float or
/// an integer tensor (the runner checks the element types): later runs with the same input shapes let ONNX Runtime write straight into managed arrays. Thread-safe.
/// </summary>
internal sealed class OrtOutputShapes
{
    /// <summary>Signatures kept at most (a guard for callers that vary the batch size endlessly).</summary>
    private const int MaxSignatures = 64;

    private readonly Dictionary<string, int[][]> _shapes = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    /// <summary>Input names with their shapes and element kinds, and the requested outputs.</summary>
    public string Signature(IReadOnlyDictionary<string, OrtTensor> inputs, IReadOnlyList<string> outputs)
    {
        var parts = new List<string>(inputs.Count + outputs.Count);
        foreach (var (name, tensor) in inputs)
        {
            parts.Add($"{name}:{(tensor.Floats is null ? 'i' : 'f')}:{string.Join('x', tensor.Shape)}");
        }

        parts.Add("->");
        parts.AddRange(outputs);
        return string.Join('|', parts);
    }

    public int[][]? TryGet(string signature)
    {
        lock (_lock)
        {
            return _shapes.GetValueOrDefault(signature);
        }
    }

    /// <summary>Stores the shapes of <paramref name="results"/> when every output is a float or an integer tensor.</summary>
    public void Remember(string signature, IReadOnlyList<string> outputs, Dictionary<string, OrtTensor> results)
    {
        var shapes = new int[outputs.Count][];
        for (int i = 0; i < outputs.Count; i++)
        {
            if (!results.TryGetValue(outputs[i], out var t) || (t.Floats is null) == (t.Int64s is null))
            {
                return;
            }

            shapes[i] = (int[])t.Shape.Clone();
        }

        lock (_lock)
        {
            if (_shapes.Count >= MaxSignatures)
            {
                _shapes.Clear();
            }

            _shapes[signature] = shapes;
        }
    }

    public void Forget(string signature)
    {
        lock (_lock)
        {
            _shapes.Remove(signature);
        }
    }
}
