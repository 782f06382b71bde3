using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Quantized;

/// <summary>
/// The pieces every quantized decomposition is made of. An activation is dequantized by a <c>DequantizeLinear</c>
/// (relevance passes through it), a constant weight by <c>(float(w) − float(zero point)) · scale</c> with per-axis
/// scales and zero points reshaped onto their axis (a constant subgraph, folded to a float weight before any rule
/// sees it), and a float result is requantized by a <c>QuantizeLinear</c>.
/// </summary>
internal static class QuantizedOperands
{
    /// <summary>True when <paramref name="value"/> depends on no graph input (initializers, Constant nodes and what is computed from them).</summary>
    public static bool IsConstant(OnnxGraph graph, string value)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([value]);
        while (stack.Count > 0)
        {
            string v = stack.Pop();
            if (v.Length == 0 || !seen.Add(v) || graph.Initializers.ContainsKey(v))
            {
                continue;
            }

            if (graph.Producer(v) is not { } producer || producer.Attributes.Values.Any(a => a.Kind == OnnxAttributeKind.Graph))
            {
                return false;
            }

            foreach (string input in producer.Inputs)
            {
                stack.Push(input);
            }
        }

        return true;
    }

    /// <summary>
    /// <c>DequantizeLinear(x, scale, zeroPoint)</c> of an activation: the scale must be one value (per tensor).
    /// <paramref name="scale"/> null means 1 (ConvInteger and MatMulInteger, whose results are integers).
    /// </summary>
    public static string Activation(FusedGraphBuilder b, string x, string? scale, string zeroPoint, string role)
    {
        if (scale is not null && b.StaticShape(scale) is { } dims && dims.Aggregate(1L, (p, d) => p * (d ?? 1)) != 1)
        {
            throw b.Unsupported($"a scale of {role} '{x}' with shape [{string.Join(", ", dims)}] (per-axis on an activation)", "Only one scale per activation tensor is supported.");
        }

        string s = scale ?? b.Scalar(1f);
        return zeroPoint.Length > 0 ? b.Op("DequantizeLinear", [x, s, zeroPoint]) : b.Op("DequantizeLinear", [x, s]);
    }

    /// <summary>
    /// A dequantized weight <c>(float(w) − float(zeroPoint)) · scale</c>. A scale or zero point with more than one
    /// element is per axis: along <paramref name="channelAxis"/> (of a weight of known rank; a negative axis counts
    /// from the end, where numpy broadcasting already puts it). <paramref name="scale"/> null means 1.
    /// </summary>
    public static string Weight(FusedGraphBuilder b, string w, string? scale, string zeroPoint, int channelAxis, string role)
    {
        string f = b.Cast(w, OnnxElementType.Float);
        if (zeroPoint.Length > 0)
        {
            f = b.Sub(f, OnAxis(b, b.Cast(zeroPoint, OnnxElementType.Float), zeroPoint, w, channelAxis, role));
        }

        return scale is null ? f : b.Mul(f, OnAxis(b, scale, scale, w, channelAxis, role));
    }

    /// <summary><c>QuantizeLinear(y, scale, zeroPoint)</c> into <paramref name="output"/> (the zero point's type is the output's).</summary>
    public static void Requantize(FusedGraphBuilder b, string y, string scale, string zeroPoint, string output)
    {
        if (zeroPoint.Length > 0)
        {
            b.Op("QuantizeLinear", [y, scale, zeroPoint], output);
        }
        else
        {
            b.Op("QuantizeLinear", [y, scale], output);
        }
    }

    /// <summary>
    /// The integer result of ConvInteger or MatMulInteger computed in float. When every consumer is a Cast (the
    /// dynamic-quantization pattern <c>…Integer → Cast(float) → Mul(scale)</c>) the float value takes the output's name
    /// and the Cast reads it directly, so relevance flows on; otherwise the exact int32 is rebuilt by Round and Cast.
    /// </summary>
    public static void IntegerResult(FusedGraphBuilder b, Func<string?, string> emit)
    {
        string output = b.Output(0);
        bool castsOnly = !b.Graph.IsGraphOutput(output) && b.Graph.Consumers(output).Count > 0
            && b.Graph.Consumers(output).All(c => c.OpType == "Cast" && c.Domain.Length == 0);
        if (castsOnly)
        {
            emit(output);
            b.RetypedOutputs.Add(output);
            return;
        }

        string y = emit(null);
        b.Cast(b.Op("Round", [y]), OnnxElementType.Int32, output);
    }

    private static string OnAxis(FusedGraphBuilder b, string value, string named, string w, int channelAxis, string role)
    {
        var dims = b.StaticShape(named);
        long count = dims?.Aggregate(1L, (p, d) => p * (d ?? -1)) ?? -1;
        if (count == 1 || channelAxis < 0)
        {
            return value;
        }

        int? rank = b.Rank(w);
        if (rank is null || count < 0)
        {
            throw b.Unsupported($"a per-axis scale or zero point '{named}' of {role} '{w}' of unknown shape", "Store the weight and its quantization parameters as initializers.");
        }

        long[] shape = [.. Enumerable.Range(0, rank.Value).Select(a => a == channelAxis ? count : 1L)];
        return b.Reshape(value, shape);
    }
}
