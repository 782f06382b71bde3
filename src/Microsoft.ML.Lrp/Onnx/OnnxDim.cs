namespace Microsoft.ML.Lrp.Onnx;

/// <summary>
/// One dimension of a declared shape: <paramref name="Value"/> for a fixed size, <paramref name="Param"/> for a
/// symbolic one (such as "N"), both null when the file says nothing.
/// </summary>
internal readonly record struct OnnxDim(long? Value, string? Param)
{
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Param ?? "?";
}
