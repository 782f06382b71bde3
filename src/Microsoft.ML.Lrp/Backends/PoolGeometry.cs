namespace Microsoft.ML.Lrp.Backends;

/// <summary>
/// The shape of one N-d pooling window sweep. <see cref="CountIncludePad"/> is ONNX AveragePool's
/// <c>count_include_pad</c>: when false, each window averages over its in-bounds elements only.
/// </summary>
internal sealed record PoolGeometry(
    int Batch,
    int Channels,
    int[] InSpatial,
    int[] KernelSpatial,
    int[] OutSpatial,
    int[] Strides,
    int[] PadsBegin,
    int[] Dilations,
    bool CountIncludePad)
{
    public int InSpatialSize => ConvGeometry.Product(InSpatial);

    public int OutSpatialSize => ConvGeometry.Product(OutSpatial);
}
