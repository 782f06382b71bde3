using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Indexing;

/// <summary>
/// Copy maps of the indexing ops (ONNX semantics; negative indices count from the end): for each element of the
/// result, the flat index of the element of the data operand it was copied from.
/// </summary>
internal static class IndexingMaps
{
    /// <summary><c>GatherElements</c> (and TopK's values): <c>out[i] = data[i with i[axis] := indices[i]]</c>; out has the indices' shape.</summary>
    public static int[] GatherElements(int[] dataShape, long[] indices, int[] indexShape, int axis)
    {
        axis = axis < 0 ? axis + dataShape.Length : axis;
        var dataStrides = TensorShapes.Strides(dataShape);
        var map = new int[indices.Length];
        var idx = new int[indexShape.Length];
        for (int i = 0; i < map.Length; i++)
        {
            int flat = 0;
            for (int a = 0; a < idx.Length; a++)
            {
                int v = a == axis ? Wrap(indices[i], dataShape[a], "GatherElements") : idx[a];
                flat += v * dataStrides[a];
            }

            map[i] = flat;
            TensorShapes.Increment(idx, indexShape);
        }

        return map;
    }

    /// <summary>
    /// <c>GatherND</c> with <paramref name="batchDims"/>: each index tuple (the last axis of indices, length k) selects
    /// the slice <c>data[batch…, tuple…, :]</c>; out has shape <c>indices.shape[:-1] + data.shape[batchDims + k:]</c>.
    /// </summary>
    public static int[] GatherNd(int[] dataShape, long[] indices, int[] indexShape, int batchDims)
    {
        int k = indexShape[^1];
        int tuples = Tensor.ShapeSize(indexShape[..^1]);
        int sliceSize = Tensor.ShapeSize(dataShape[(batchDims + k)..]);
        int perBatch = batchDims == 0 ? tuples : tuples / Tensor.ShapeSize(indexShape[..batchDims]);
        var dataStrides = TensorShapes.Strides(dataShape);
        int batchStride = batchDims == 0 ? 0 : dataStrides[batchDims - 1];
        var map = new int[tuples * sliceSize];
        for (int t = 0; t < tuples; t++)
        {
            int start = batchDims == 0 ? 0 : (t / perBatch) * batchStride;
            for (int j = 0; j < k; j++)
            {
                start += Wrap(indices[(t * k) + j], dataShape[batchDims + j], "GatherND") * dataStrides[batchDims + j];
            }

            for (int e = 0; e < sliceSize; e++)
            {
                map[(t * sliceSize) + e] = start + e;
            }
        }

        return map;
    }

    /// <summary>
    /// <c>ScatterElements</c>: for each update element, the flat index of the output element it writes
    /// (<c>i with i[axis] := indices[i]</c>, in the data's shape).
    /// </summary>
    public static int[] ScatterElementsTargets(int[] dataShape, long[] indices, int[] indexShape, int axis)
        => GatherElements(dataShape, indices, indexShape, axis);

    /// <summary>
    /// <c>ScatterND</c>: for each update element, the flat index of the output element it writes (the index tuple
    /// selects a slice of <c>data.shape[k:]</c>).
    /// </summary>
    public static int[] ScatterNdTargets(int[] dataShape, long[] indices, int[] indexShape) => GatherNd(dataShape, indices, indexShape, 0);

    private static int Wrap(long index, int size, string op)
    {
        long v = index < 0 ? index + size : index;
        if (v < 0 || v >= size)
        {
            throw new LrpException($"{op}: index {index} is out of range for an axis of size {size}.");
        }

        return (int)v;
    }
}
