using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Quantized;

/// <summary>
/// A <c>Cast</c> between integer types of a quantized activation: torch's QDQ export writes
/// <c>x → QuantizeLinear → Cast(uint8/int8) → DequantizeLinear</c>. The cast value is still the fake-quantized
/// activation (not an index or a shape), so it carries relevance like the QuantizeLinear output it copies, although
/// integer casts are otherwise side paths.
/// </summary>
internal static class QuantizedCasts
{
    /// <summary>True when <paramref name="node"/> is a Cast whose input is a quantized activation (a QuantizeLinear or DynamicQuantizeLinear value, possibly through other such casts).</summary>
    public static bool CarriesQuantized(OnnxNode node, OnnxGraph graph)
    {
        var current = node;
        for (int depth = 0; depth < 16 && current.OpType == "Cast" && current.Domain.Length == 0 && current.Inputs.Count > 0; depth++)
        {
            var input = current.Inputs[0];
            var producer = graph.Producer(input);
            if (producer is null || producer.Domain.Length != 0)
            {
                return false;
            }

            if (producer.OpType is "QuantizeLinear" || (producer.OpType is "DynamicQuantizeLinear" && producer.Outputs.Count > 0 && producer.Outputs[0] == input))
            {
                return true;
            }

            current = producer;
        }

        return false;
    }
}
