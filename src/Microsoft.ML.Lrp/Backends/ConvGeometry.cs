namespace Microsoft.ML.Lrp.Backends;

/// <summary>
/// The shape of one N-d convolution (1 to 3 spatial dimensions). Padding at the end of each axis is implied by
/// <see cref="OutSpatial"/>; ONNX <c>auto_pad</c> is resolved into <see cref="PadsBegin"/> before this is built.
/// </summary>
internal sealed record ConvGeometry(
    int Batch,
    int InChannels,
    int OutChannels,
    int Group,
    int[] InSpatial,
    int[] KernelSpatial,
    int[] OutSpatial,
    int[] Strides,
    int[] PadsBegin,
    int[] Dilations)
{
    public int SpatialRank => InSpatial.Length;

    public int InSpatialSize => Product(InSpatial);

    public int OutSpatialSize => Product(OutSpatial);

    public int KernelSize => Product(KernelSpatial);

    public static int Product(int[] values)
    {
        int p = 1;
        foreach (int v in values)
        {
            p *= v;
        }

        return p;
    }
}
