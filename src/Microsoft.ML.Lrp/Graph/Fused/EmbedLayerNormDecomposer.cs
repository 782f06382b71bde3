using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// <c>EmbedLayerNormalization(input_ids, segment_ids?, word, position, segment?, γ, β, mask?, position_ids?)</c>:
/// <c>e = Gather(word, ids) + P + Gather(segment, segment_ids)</c> where <c>P</c> is
/// <c>Gather(position, position_ids)</c>, or the first <c>sequence_length</c> rows of the position table when no
/// position ids are given; output 0 is LayerNormalization(e) over the hidden axis, output 2 (<c>embedding_sum</c>)
/// is <c>e</c>, and output 1 (<c>mask_index</c>, int32 [batch]) is the number of ones in each row of the mask
/// (zeros without a mask), the form com.microsoft Attention reads as right-padding lengths.
/// </summary>
internal sealed class EmbedLayerNormDecomposer : IFusedOpDecomposer
{
    private const float DefaultEpsilon = 1e-12f;

    public IReadOnlyList<string> OpTypes { get; } = ["EmbedLayerNormalization"];

    public void Decompose(FusedGraphBuilder b)
    {
        string ids = b.Input(0);
        string segmentIds = b.Input(1);
        string segmentTable = b.Input(4);
        string mask = b.Input(7);
        string positionIds = b.Input(8);

        string sum = b.Op("Gather", [b.Input(2), ids], null, ("axis", 0L));
        string positions = positionIds.Length > 0
            ? b.Op("Gather", [b.Input(3), positionIds], null, ("axis", 0L))
            : b.Slice(b.Input(3), b.Int64s(0), b.ShapeSlice(ids, 1, 2), [0]);
        sum = b.Add(sum, positions);
        if (segmentIds.Length > 0 && segmentTable.Length > 0)
        {
            sum = b.Add(sum, b.Op("Gather", [segmentTable, segmentIds], null, ("axis", 0L)));
        }

        if (b.Output(2).Length > 0)
        {
            sum = b.Op("Identity", [sum], b.Output(2));
        }

        LayerNormDecomposer.LayerNorm(b, sum, b.Input(5), b.Input(6), b.Fused.GetFloat("epsilon", DefaultEpsilon), b.Output(0));

        if (b.Output(1).Length > 0)
        {
            if (mask.Length > 0)
            {
                string ones = b.Cast(b.Op("Equal", [mask, Int32Scalar(b, 1)]), OnnxElementType.Int32);
                b.ReduceSum(ones, [1], keepDims: false, b.Output(1));
            }
            else
            {
                var zero = new Onnx.Proto.TensorProto { DataType = (int)OnnxElementType.Int32, Dims = { 1 } };
                zero.Int32Data.Add(0);
                b.Op("ConstantOfShape", [b.ShapeSlice(ids, 0, 1)], b.Output(1), ("value", zero));
            }
        }
    }

    private static string Int32Scalar(FusedGraphBuilder b, int value)
        => b.Cast(b.Int64Scalar(value), OnnxElementType.Int32);
}
