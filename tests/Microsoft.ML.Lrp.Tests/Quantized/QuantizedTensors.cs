using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Tests.Quantized;

/// <summary>
/// Quantization written from the ONNX formulas, for building test models: <c>q = saturate(round(w / s) + zp)</c> per
/// tensor or per channel (axis 0 or the last axis), and its dequantization <c>(q − zp) · s</c> in float, as
/// DequantizeLinear computes it. int8 is symmetric on 7 bits (zero point 0), uint8 asymmetric on 8 bits.
/// </summary>
internal sealed record QuantizedTensor(int[] Values, float[] Scales, int[] ZeroPoints, long[] Dims, bool Signed, int Axis)
{
    /// <summary>Quantizes <paramref name="w"/> with one scale per slice along <paramref name="axis"/> (−1: per tensor).</summary>
    public static QuantizedTensor Quantize(float[] w, long[] dims, bool signed, int axis)
    {
        int channels = axis < 0 ? 1 : (int)dims[axis];
        int inner = axis < 0 ? w.Length : (int)dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        var scales = new float[channels];
        var zeros = new int[channels];
        for (int c = 0; c < channels; c++)
        {
            var members = Members(w.Length, channels, inner, c).Select(i => w[i]).ToArray();
            if (signed)
            {
                // Symmetric, 7 bits (ONNX Runtime's reduce_range for int8 weights, which its u8s8 kernels need).
                scales[c] = Math.Max(members.Max(Math.Abs), 1e-6f) / 63f;
                zeros[c] = 0;
                continue;
            }

            float lo = Math.Min(0f, members.Min()), hi = Math.Max(0f, members.Max());
            scales[c] = Math.Max(hi - lo, 1e-6f) / 255f;
            zeros[c] = Math.Clamp((int)Math.Round(-lo / scales[c]), 0, 255);
        }

        var q = new int[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            int c = channels == 1 ? 0 : (i / inner) % channels;
            q[i] = Math.Clamp((int)Math.Round(w[i] / scales[c], MidpointRounding.ToEven) + zeros[c], signed ? -64 : 0, signed ? 63 : 255);
        }

        return new QuantizedTensor(q, scales, zeros, dims, signed, axis);
    }

    /// <summary>The dequantized values <c>(q − zp) · s</c>, in float.</summary>
    public float[] Dequantized()
    {
        int channels = Scales.Length;
        int inner = Axis < 0 ? Values.Length : (int)Dims.Skip(Axis + 1).Aggregate(1L, (a, b) => a * b);
        var w = new float[Values.Length];
        for (int i = 0; i < w.Length; i++)
        {
            int c = channels == 1 ? 0 : (i / inner) % channels;
            w[i] = (Values[i] - ZeroPoints[c]) * Scales[c];
        }

        return w;
    }

    /// <summary>The quantized values as an int8/uint8 initializer.</summary>
    public TensorProto ValuesTensor(string name) => Bytes(name, Values, Dims, Signed);

    /// <summary>The scales: a scalar per tensor, a 1-D tensor per channel.</summary>
    public TensorProto ScaleTensor(string name)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        if (Axis >= 0)
        {
            t.Dims.Add(Scales.Length);
        }

        t.FloatData.AddRange(Scales);
        return t;
    }

    /// <summary>The zero points, shaped like the scales.</summary>
    public TensorProto ZeroPointTensor(string name) => Bytes(name, ZeroPoints, Axis >= 0 ? [ZeroPoints.Length] : [], Signed);

    /// <summary>An int8 or uint8 tensor.</summary>
    public static TensorProto Bytes(string name, int[] values, long[] dims, bool signed)
    {
        var t = new TensorProto
        {
            Name = name,
            DataType = (int)(signed ? TensorProto.Types.DataType.Int8 : TensorProto.Types.DataType.Uint8),
            RawData = ByteString.CopyFrom([.. values.Select(v => signed ? (byte)(sbyte)v : (byte)v)]),
        };
        t.Dims.AddRange(dims);
        return t;
    }

    /// <summary>An int32 tensor (a quantized bias).</summary>
    public static TensorProto Int32s(string name, int[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int32 };
        t.Dims.AddRange(dims);
        t.Int32Data.AddRange(values);
        return t;
    }

    /// <summary>A float scalar.</summary>
    public static TensorProto Scalar(string name, float value)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.FloatData.Add(value);
        return t;
    }

    private static IEnumerable<int> Members(int length, int channels, int inner, int c)
        => Enumerable.Range(0, length).Where(i => channels == 1 || (i / inner) % channels == c);
}
