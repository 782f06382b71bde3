using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// Reads the explained input column as floats: a vector of Single (features), or of Int64 or Int32 (token ids,
/// converted exactly up to 2^24; the relevance column then holds one value per token).
/// </summary>
internal static class LrpExplainedInputGetter
{
    /// <summary>True for the item types an explained input column may have.</summary>
    public static bool IsSupported(DataViewType itemType)
        => itemType == NumberDataViewType.Single || itemType == NumberDataViewType.Int64 || itemType == NumberDataViewType.Int32;

    /// <summary>A getter of the column's current value as a float vector.</summary>
    public static ValueGetter<VBuffer<float>> Create(DataViewRow row, DataViewSchema.Column column)
    {
        var itemType = ((VectorDataViewType)column.Type).ItemType;
        if (itemType == NumberDataViewType.Single)
        {
            return row.GetGetter<VBuffer<float>>(column);
        }

        if (itemType == NumberDataViewType.Int64)
        {
            var ids = row.GetGetter<VBuffer<long>>(column);
            VBuffer<long> scratch = default;
            return (ref VBuffer<float> value) =>
            {
                ids(ref scratch);
                Convert(scratch.DenseValues().ToArray(), column.Name, ref value);
            };
        }

        var ints = row.GetGetter<VBuffer<int>>(column);
        VBuffer<int> intScratch = default;
        return (ref VBuffer<float> value) =>
        {
            ints(ref intScratch);
            Convert(intScratch.DenseValues().Select(v => (long)v).ToArray(), column.Name, ref value);
        };
    }

    private static void Convert(long[] ids, string columnName, ref VBuffer<float> value)
    {
        var editor = VBufferEditor.Create(ref value, ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] <= -Engine.TokenInputs.MaxExactId || ids[i] >= Engine.TokenInputs.MaxExactId)
            {
                throw new LrpException($"The token id {ids[i]} at element {i} of the column '{columnName}' is too large (ids up to {Engine.TokenInputs.MaxExactId - 1} are supported).");
            }

            editor.Values[i] = ids[i];
        }

        value = editor.Commit();
    }
}
