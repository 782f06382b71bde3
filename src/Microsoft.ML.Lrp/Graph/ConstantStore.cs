using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Graph;

/// <summary>The values known before any data is read: initializers and Constant node outputs.</summary>
internal sealed class ConstantStore
{
    private readonly Dictionary<string, OnnxTensorData> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _floatCache = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    public ConstantStore(OnnxGraph graph)
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
                t = Get(name).ToTensor();
                _floatCache[name] = t;
            }

            return t;
        }
    }

    public long[] GetInt64s(string name) => Get(name).ToInt64s();
}
