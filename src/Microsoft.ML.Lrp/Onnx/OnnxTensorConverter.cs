using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Google.Protobuf.Collections;

namespace Microsoft.ML.Lrp.Onnx;

/// <summary>
/// Reads the elements of an <see cref="OnnxTensorData"/> from raw_data (little-endian, as the specification
/// stores it) or from the typed field that the specification assigns to its element type.
/// </summary>
internal static class OnnxTensorConverter
{
    /// <summary>Bytes per element in raw_data; 0 for types without a fixed size (strings) or unsupported ones.</summary>
    public static int ElementSize(OnnxElementType type) => type switch
    {
        OnnxElementType.Float or OnnxElementType.Int32 or OnnxElementType.UInt32 => 4,
        OnnxElementType.Double or OnnxElementType.Int64 or OnnxElementType.UInt64 => 8,
        OnnxElementType.Float16 or OnnxElementType.BFloat16 or OnnxElementType.Int16 or OnnxElementType.UInt16 => 2,
        OnnxElementType.UInt8 or OnnxElementType.Int8 or OnnxElementType.Bool => 1,
        _ => 0,
    };

    /// <summary>Rejects a tensor whose stored element count disagrees with its shape.</summary>
    public static void CheckLength(OnnxTensorData t)
    {
        long stored;
        string where;
        if (t.Raw is { } raw)
        {
            int size = ElementSize(t.ElementType);
            if (size == 0)
            {
                return;
            }

            stored = raw.Length / size;
            where = $"{raw.Length} bytes of raw data";
            if (raw.Length % size != 0)
            {
                stored = -1;
            }
        }
        else
        {
            stored = TypedCount(t);
            where = $"{stored} stored elements";
            if (stored < 0)
            {
                return;
            }
        }

        if (stored != t.ElementCount)
        {
            throw new LrpException(
                $"Tensor '{t.Name}' ({t.ElementType}, shape [{string.Join(", ", t.Dims)}]) needs {t.ElementCount} elements but has {where}; the model file is damaged.");
        }
    }

    public static float[] ToFloats(OnnxTensorData t)
    {
        if (t.Raw is { } raw)
        {
            ReadOnlySpan<byte> b = raw.Span;
            return t.ElementType switch
            {
                OnnxElementType.Float => MemoryMarshal.Cast<byte, float>(b).ToArray(),
                OnnxElementType.Double => Convert<double, float>(MemoryMarshal.Cast<byte, double>(b)),
                OnnxElementType.Float16 => Convert<Half, float>(MemoryMarshal.Cast<byte, Half>(b)),
                OnnxElementType.BFloat16 => BFloat16ToFloats(MemoryMarshal.Cast<byte, ushort>(b)),
                OnnxElementType.UInt8 or OnnxElementType.Bool => Convert<byte, float>(b),
                OnnxElementType.Int8 => Convert<sbyte, float>(MemoryMarshal.Cast<byte, sbyte>(b)),
                OnnxElementType.UInt16 => Convert<ushort, float>(MemoryMarshal.Cast<byte, ushort>(b)),
                OnnxElementType.Int16 => Convert<short, float>(MemoryMarshal.Cast<byte, short>(b)),
                OnnxElementType.Int32 => Convert<int, float>(MemoryMarshal.Cast<byte, int>(b)),
                OnnxElementType.UInt32 => Convert<uint, float>(MemoryMarshal.Cast<byte, uint>(b)),
                OnnxElementType.Int64 => Convert<long, float>(MemoryMarshal.Cast<byte, long>(b)),
                OnnxElementType.UInt64 => Convert<ulong, float>(MemoryMarshal.Cast<byte, ulong>(b)),
                _ => throw NotNumeric(t, "float"),
            };
        }

        var p = t.Proto;
        return t.ElementType switch
        {
            OnnxElementType.Float => ToArray(p.FloatData),
            OnnxElementType.Double => Convert<double, float>(ToArray(p.DoubleData)),
            OnnxElementType.Float16 => Convert<Half, float>(Array.ConvertAll(ToArray(p.Int32Data), i => BitConverter.UInt16BitsToHalf((ushort)i))),
            OnnxElementType.BFloat16 => BFloat16ToFloats(Array.ConvertAll(ToArray(p.Int32Data), i => (ushort)i)),
            OnnxElementType.UInt8 or OnnxElementType.Int8 or OnnxElementType.UInt16 or OnnxElementType.Int16
                or OnnxElementType.Int32 or OnnxElementType.Bool => Convert<int, float>(ToArray(p.Int32Data)),
            OnnxElementType.Int64 => Convert<long, float>(ToArray(p.Int64Data)),
            OnnxElementType.UInt32 or OnnxElementType.UInt64 => Convert<ulong, float>(ToArray(p.Uint64Data)),
            _ => throw NotNumeric(t, "float"),
        };
    }

    public static long[] ToInt64s(OnnxTensorData t)
    {
        if (t.Raw is { } raw)
        {
            ReadOnlySpan<byte> b = raw.Span;
            return t.ElementType switch
            {
                OnnxElementType.Int64 => MemoryMarshal.Cast<byte, long>(b).ToArray(),
                OnnxElementType.Float => Convert<float, long>(MemoryMarshal.Cast<byte, float>(b)),
                OnnxElementType.Double => Convert<double, long>(MemoryMarshal.Cast<byte, double>(b)),
                OnnxElementType.Float16 => Convert<Half, long>(MemoryMarshal.Cast<byte, Half>(b)),
                OnnxElementType.BFloat16 => Convert<float, long>(BFloat16ToFloats(MemoryMarshal.Cast<byte, ushort>(b))),
                OnnxElementType.UInt8 or OnnxElementType.Bool => Convert<byte, long>(b),
                OnnxElementType.Int8 => Convert<sbyte, long>(MemoryMarshal.Cast<byte, sbyte>(b)),
                OnnxElementType.UInt16 => Convert<ushort, long>(MemoryMarshal.Cast<byte, ushort>(b)),
                OnnxElementType.Int16 => Convert<short, long>(MemoryMarshal.Cast<byte, short>(b)),
                OnnxElementType.Int32 => Convert<int, long>(MemoryMarshal.Cast<byte, int>(b)),
                OnnxElementType.UInt32 => Convert<uint, long>(MemoryMarshal.Cast<byte, uint>(b)),
                OnnxElementType.UInt64 => Convert<ulong, long>(MemoryMarshal.Cast<byte, ulong>(b)),
                _ => throw NotNumeric(t, "integer"),
            };
        }

        var p = t.Proto;
        return t.ElementType switch
        {
            OnnxElementType.Int64 => ToArray(p.Int64Data),
            OnnxElementType.Float => Convert<float, long>(ToArray(p.FloatData)),
            OnnxElementType.Double => Convert<double, long>(ToArray(p.DoubleData)),
            OnnxElementType.Float16 or OnnxElementType.BFloat16 => Convert<float, long>(ToFloats(t)),
            OnnxElementType.UInt8 or OnnxElementType.Int8 or OnnxElementType.UInt16 or OnnxElementType.Int16
                or OnnxElementType.Int32 or OnnxElementType.Bool => Convert<int, long>(ToArray(p.Int32Data)),
            OnnxElementType.UInt32 or OnnxElementType.UInt64 => Convert<ulong, long>(ToArray(p.Uint64Data)),
            _ => throw NotNumeric(t, "integer"),
        };
    }

    private static long TypedCount(OnnxTensorData t)
    {
        var p = t.Proto;
        return t.ElementType switch
        {
            OnnxElementType.Float => p.FloatData.Count,
            OnnxElementType.Double => p.DoubleData.Count,
            OnnxElementType.Int64 => p.Int64Data.Count,
            OnnxElementType.UInt32 or OnnxElementType.UInt64 => p.Uint64Data.Count,
            OnnxElementType.String => p.StringData.Count,
            OnnxElementType.Float16 or OnnxElementType.BFloat16 or OnnxElementType.UInt8 or OnnxElementType.Int8
                or OnnxElementType.UInt16 or OnnxElementType.Int16 or OnnxElementType.Int32 or OnnxElementType.Bool => p.Int32Data.Count,
            _ => -1,
        };
    }

    private static TTo[] Convert<TFrom, TTo>(ReadOnlySpan<TFrom> source)
        where TFrom : INumberBase<TFrom>
        where TTo : INumberBase<TTo>
    {
        var result = new TTo[source.Length];
        TensorPrimitives.ConvertTruncating(source, result.AsSpan());
        return result;
    }

    private static float[] BFloat16ToFloats(ReadOnlySpan<ushort> bits)
    {
        var result = new float[bits.Length];
        for (int i = 0; i < bits.Length; i++)
        {
            result[i] = BitConverter.Int32BitsToSingle(bits[i] << 16);
        }

        return result;
    }

    private static T[] ToArray<T>(RepeatedField<T> field)
    {
        var result = new T[field.Count];
        field.CopyTo(result, 0);
        return result;
    }

    private static LrpException NotNumeric(OnnxTensorData t, string wanted)
        => new($"Tensor '{t.Name}' has element type {t.ElementType}, which cannot be read as {wanted} values.");
}
