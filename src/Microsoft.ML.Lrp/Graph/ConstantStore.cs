using Microsoft.ML.Lrp.Graph.Folding;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Graph;

/// <summary>
/// The values known before any data is read: initializers, Constant node outputs, and the values computed from them
/// alone, folded once by <see cref="ConstantFolder"/> (those the rest of the graph reads).
/// </summary>
internal sealed class ConstantStore
{
    private readonly Dictionary<string, OnnxTensorData> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _floatCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _notFolded = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    /// <summary>The stored constants of <paramref name="model"/>, plus the folded values of <paramref name="constantValues"/>.</summary>
    public ConstantStore(OnnxModel model, IReadOnlySet<string>? constantValues = null)
        : this(model.Graph)
    {
        if (constantValues is not null && constantValues.Any(v => !_known.ContainsKey(v)))
        {
            var (values, skipped) = ConstantFolder.Fold(model, constantValues, _known.Keys.ToHashSet(StringComparer.Ordinal));
            foreach (var (name, value) in values)
            {
                _known[name] = value;
            }

            foreach (var (name, reason) in skipped)
            {
                _notFolded[name] = reason;
            }
        }
    }

    private ConstantStore(OnnxGraph graph)
    {
        foreach (var (name, value) in graph.Initializers)
        {
            _known[name] = value;
        }

        foreach (var node in graph.Nodes)
        {
            if (node.OpType == "Constant" && node.Domain.Length == 0)
            {
                var value = OnnxConstants.TryGetConstantNodeValue(node);
                if (value is not null)
                {
                    _known[node.Outputs[0]] = value;
                }
            }
        }
    }

    public bool Contains(string name) => _known.ContainsKey(name);

    /// <summary>Why a value computed from constants was not folded; null when it was, or when it is no such value.</summary>
    public string? WhyNotFolded(string name) => _notFolded.GetValueOrDefault(name);

    public OnnxTensorData Get(string name) => _known.TryGetValue(name, out var v)
        ? v
        : throw new LrpException($"'{name}' is read as a constant (a weight or parameter), but no initializer or Constant node defines it before the run.");

    /// <summary>The constant as a float tensor (converted once and cached).</summary>
    public Tensor GetFloat(string name)
    {
        lock (_lock)
        {
            if (!_floatCache.TryGetValue(name, out var t))
            {
                var data = Get(name);
                t = data.SharedFloats is { } shared ? new Tensor(data.Shape, shared) : data.ToTensor();
                _floatCache[name] = t;
            }

            return t;
        }
    }

    public long[] GetInt64s(string name) => Get(name).ToInt64s();

    /// <summary>
    /// Drops the float conversions made so far (a later <see cref="GetFloat"/> converts again). The planner converts
    /// every weight to build the layers, which keep their own (folded) copies, so after planning the cache held a
    /// second copy of the weights that nothing reads (ResNet18: 60 MiB).
    /// </summary>
    public void DropFloatCache()
    {
        lock (_lock)
        {
            _floatCache.Clear();
        }
    }
}
