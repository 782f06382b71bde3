using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Onnx;

/// <summary>A node attribute. Only the member matching <see cref="Kind"/> is meaningful; list members are empty otherwise.</summary>
internal sealed class OnnxAttribute
{
    private OnnxAttribute(string name, OnnxAttributeKind kind)
    {
        Name = name;
        Kind = kind;
    }

    public string Name { get; }

    public OnnxAttributeKind Kind { get; }

    public float Float { get; private init; }

    public long Int { get; private init; }

    public string String { get; private init; } = "";

    public float[] Floats { get; private init; } = [];

    public long[] Ints { get; private init; } = [];

    public string[] Strings { get; private init; } = [];

    public OnnxTensorData? Tensor { get; private init; }

    /// <summary>Reads an attribute; a tensor attribute stored externally is read from <paramref name="externalDataDirectory"/>.</summary>
    public static OnnxAttribute FromProto(AttributeProto proto, string? externalDataDirectory)
    {
        OnnxAttributeKind kind = KindOf(proto);
        return new OnnxAttribute(proto.Name, kind)
        {
            Float = proto.F,
            Int = proto.I,
            String = kind == OnnxAttributeKind.String ? proto.S.ToStringUtf8() : "",
            Floats = kind == OnnxAttributeKind.Floats ? [.. proto.Floats] : [],
            Ints = kind == OnnxAttributeKind.Ints ? [.. proto.Ints] : [],
            Strings = kind == OnnxAttributeKind.Strings ? [.. proto.Strings.Select(s => s.ToStringUtf8())] : [],
            Tensor = kind == OnnxAttributeKind.Tensor ? OnnxTensorData.FromProto(proto.T, externalDataDirectory) : null,
        };
    }

    private static OnnxAttributeKind KindOf(AttributeProto proto)
    {
        if (proto.HasType && proto.Type != AttributeProto.Types.AttributeType.Undefined)
        {
            return proto.Type switch
            {
                AttributeProto.Types.AttributeType.Float => OnnxAttributeKind.Float,
                AttributeProto.Types.AttributeType.Int => OnnxAttributeKind.Int,
                AttributeProto.Types.AttributeType.String => OnnxAttributeKind.String,
                AttributeProto.Types.AttributeType.Tensor when proto.T is not null => OnnxAttributeKind.Tensor,
                AttributeProto.Types.AttributeType.Graph => OnnxAttributeKind.Graph,
                AttributeProto.Types.AttributeType.Floats => OnnxAttributeKind.Floats,
                AttributeProto.Types.AttributeType.Ints => OnnxAttributeKind.Ints,
                AttributeProto.Types.AttributeType.Strings => OnnxAttributeKind.Strings,
                _ => OnnxAttributeKind.Other,
            };
        }

        // Files older than IR version 2 carry no type: infer it from the field that is set.
        return proto switch
        {
            { T: not null } => OnnxAttributeKind.Tensor,
            { G: not null } => OnnxAttributeKind.Graph,
            { HasF: true } => OnnxAttributeKind.Float,
            { HasI: true } => OnnxAttributeKind.Int,
            { HasS: true } => OnnxAttributeKind.String,
            { Floats.Count: > 0 } => OnnxAttributeKind.Floats,
            { Ints.Count: > 0 } => OnnxAttributeKind.Ints,
            { Strings.Count: > 0 } => OnnxAttributeKind.Strings,
            _ => OnnxAttributeKind.Other,
        };
    }

    public override string ToString() => Kind switch
    {
        OnnxAttributeKind.Float => $"{Name}={Float}",
        OnnxAttributeKind.Int => $"{Name}={Int}",
        OnnxAttributeKind.String => $"{Name}='{String}'",
        OnnxAttributeKind.Floats => $"{Name}=[{string.Join(", ", Floats)}]",
        OnnxAttributeKind.Ints => $"{Name}=[{string.Join(", ", Ints)}]",
        OnnxAttributeKind.Strings => $"{Name}=[{string.Join(", ", Strings)}]",
        OnnxAttributeKind.Tensor => $"{Name}={Tensor}",
        _ => $"{Name} ({Kind})",
    };
}
