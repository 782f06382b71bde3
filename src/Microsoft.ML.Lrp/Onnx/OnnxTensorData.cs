using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Onnx;

/// <summary>
/// A constant tensor of the model: an initializer, the value of a Constant node or a tensor attribute. The bytes
/// stay as the file stored them (raw_data, typed fields or external file) until a conversion asks for them.
/// </summary>
internal sealed class OnnxTensorData
{
    private readonly TensorProto _proto;

    private OnnxTensorData(TensorProto proto, ReadOnlyMemory<byte>? raw, long[] dims, long elementCount, float[]? sharedFloats = null)
    {
        _proto = proto;
        SharedFloats = sharedFloats;
        Raw = raw;
        Dims = dims;
        ElementCount = elementCount;
        ElementType = (OnnxElementType)proto.DataType;
    }

    public string Name => _proto.Name;

    public OnnxElementType ElementType { get; }

    public long[] Dims { get; }

    /// <summary><see cref="Dims"/> as ints (the rank-0 scalar has an empty shape).</summary>
    public int[] Shape => Array.ConvertAll(Dims, d => d <= int.MaxValue
        ? (int)d
        : throw new LrpException($"Tensor '{Name}' has the dimension {d} in its shape [{string.Join(", ", Dims)}], larger than one array can hold."));

    public long ElementCount { get; }

    /// <summary>The little-endian bytes when the tensor is stored as raw_data or in an external file, else null.</summary>
    internal ReadOnlyMemory<byte>? Raw { get; }

    /// <summary>
    /// The values of a float tensor read from an external file, held once: <see cref="Raw"/> views the same memory,
    /// the rules read it as a constant and ONNX Runtime's sessions are handed it as a pre-allocated initializer.
    /// Never modified. Null for every other tensor.
    /// </summary>
    internal float[]? SharedFloats { get; }

    /// <summary>True when the bytes came from an external file.</summary>
    internal bool IsExternal => _proto.HasDataLocation && _proto.DataLocation == TensorProto.Types.DataLocation.External;

    /// <summary>The proto the tensor came from (typed fields are read from it).</summary>
    internal TensorProto Proto => _proto;

    /// <summary>Converts any numeric or boolean tensor to a new float array.</summary>
    public float[] ToFloats() => OnnxTensorConverter.ToFloats(this);

    /// <summary>Converts any integer or boolean tensor to a new long array (floats are truncated toward zero).</summary>
    public long[] ToInt64s() => OnnxTensorConverter.ToInt64s(this);

    public Tensor ToTensor() => new(Shape, ToFloats());

    /// <summary>The bytes of a float array, without a copy (little-endian machines); read as a span, never pinned.</summary>
    private sealed class FloatBytes(float[] floats) : System.Buffers.MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan());

        public override System.Buffers.MemoryHandle Pin(int elementIndex = 0)
            => throw new NotSupportedException("The bytes of a shared float initializer are read as a span; pin the float array instead.");

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    /// <summary>
    /// Wraps <paramref name="proto"/>. External data is read at once, and only from inside
    /// <paramref name="externalDataDirectory"/>; a null directory rejects external data.
    /// </summary>
    public static OnnxTensorData FromProto(TensorProto proto, string? externalDataDirectory)
    {
        long[] dims = [.. proto.Dims];
        long count = 1;
        foreach (long d in dims)
        {
            if (d < 0)
            {
                throw new LrpException($"Tensor '{proto.Name}' has a negative dimension ({d}) in its shape [{string.Join(", ", dims)}].");
            }

            if (d > 0 && count > long.MaxValue / d)
            {
                throw new LrpException($"Tensor '{proto.Name}' has the shape [{string.Join(", ", dims)}], whose element count does not fit in 64 bits; the model file is damaged.");
            }

            count *= d;
        }

        if (count > Array.MaxLength)
        {
            throw new LrpException($"Tensor '{proto.Name}' has the shape [{string.Join(", ", dims)}] ({count} elements), more than one array can hold.");
        }

        ReadOnlyMemory<byte>? raw = null;
        float[]? shared = null;
        if (proto.HasDataLocation && proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            if ((OnnxElementType)proto.DataType == OnnxElementType.Float && BitConverter.IsLittleEndian)
            {
                shared = OnnxExternalData.ReadFloats(proto, externalDataDirectory, count);
                raw = new FloatBytes(shared).Memory;
            }
            else
            {
                raw = OnnxExternalData.Read(proto, externalDataDirectory, count);
            }
        }
        else if (proto.HasRawData)
        {
            raw = proto.RawData.Memory;
        }

        var data = new OnnxTensorData(proto, raw, dims, count, shared);
        OnnxTensorConverter.CheckLength(data);
        return data;
    }

    /// <summary>A float tensor built in memory (for Constant nodes given as value_float or value_floats).</summary>
    internal static OnnxTensorData FromFloats(string name, long[] dims, IEnumerable<float> values)
    {
        var proto = new TensorProto { Name = name, DataType = (int)OnnxElementType.Float };
        proto.Dims.AddRange(dims);
        proto.FloatData.AddRange(values);
        return FromProto(proto, null);
    }

    /// <summary>An int64 tensor built in memory (for Constant nodes given as value_int or value_ints).</summary>
    internal static OnnxTensorData FromInt64s(string name, long[] dims, IEnumerable<long> values)
    {
        var proto = new TensorProto { Name = name, DataType = (int)OnnxElementType.Int64 };
        proto.Dims.AddRange(dims);
        proto.Int64Data.AddRange(values);
        return FromProto(proto, null);
    }

    public override string ToString() => $"{Name}: {ElementType}[{string.Join(", ", Dims)}]";
}
