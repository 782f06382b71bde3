using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph;

/// <summary>
/// Whether a value (typically an integer parameter: indices, starts, pads) can change from one call to the next at
/// the same shapes: it does when it is computed from a graph input's values; it does not when it comes only from
/// constants and from the shapes of tensors (<c>Shape</c>, <c>Size</c>). Index maps built from fixed parameters may
/// be cached per batch size; maps from varying ones must be rebuilt on every call.
/// </summary>
internal static class ValueDependence
{
    /// <summary>True when <paramref name="value"/> depends on the values (not only the shapes) of a graph input.</summary>
    public static bool VariesWithInputs(string value, OnnxGraph graph)
    {
        var inputs = graph.Inputs.Select(i => i.Name).Where(n => !graph.Initializers.ContainsKey(n)).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([value]);
        while (stack.Count > 0)
        {
            var v = stack.Pop();
            if (v.Length == 0 || !seen.Add(v) || graph.Initializers.ContainsKey(v))
            {
                continue;
            }

            if (inputs.Contains(v))
            {
                return true;
            }

            var producer = graph.Producer(v);
            if (producer is null || producer.Domain.Length == 0 && producer.OpType is "Shape" or "Size")
            {
                continue;
            }

            foreach (var input in producer.Inputs)
            {
                stack.Push(input);
            }
        }

        return false;
    }
}
