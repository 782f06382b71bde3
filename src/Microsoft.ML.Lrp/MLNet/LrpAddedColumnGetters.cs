using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>Getters of the added columns over the explanation of the current batch and the current slot in it.</summary>
internal static class LrpAddedColumnGetters
{
    /// <summary>
    /// A getter for the added column at <paramref name="slot"/> (<see cref="LrpSchemaBinding.OutputSlot"/> …),
    /// reading <paramref name="current"/>: the explanation holding the row and the row's index in it.
    /// </summary>
    public static Delegate Create(int slot, LrpSchemaBinding binding, Func<(LrpExplanation Explanation, int Row)> current) => slot switch
    {
        _ when slot >= binding.FirstRelevanceOutputSlot => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
        {
            var (explanation, row) = current();
            CopyTo(explanation.RelevanceAt(binding.RelevanceOutputTensors[slot - binding.FirstRelevanceOutputSlot]).Row(row), ref value);
        }),
        LrpSchemaBinding.OutputSlot => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
        {
            var (explanation, row) = current();
            CopyTo(explanation.OutputOf(row), ref value);
        }),
        LrpSchemaBinding.RelevanceSlot => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
        {
            var (explanation, row) = current();
            CopyTo(explanation.RelevanceOf(row), ref value);
        }),
        LrpSchemaBinding.TargetSlot => (ValueGetter<int>)((ref int value) =>
        {
            var (explanation, row) = current();
            value = explanation.Targets[row];
        }),
        LrpSchemaBinding.ScoreSlot => (ValueGetter<float>)((ref float value) =>
        {
            var (explanation, row) = current();
            value = explanation.Scores[row];
        }),
        LrpSchemaBinding.GroupedSlot => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
        {
            var (explanation, row) = current();
            var groups = binding.Groups!;
            var editor = VBufferEditor.Create(ref value, groups.Names.Count);
            groups.Sum(explanation.Relevance.AsSpan(row * binding.InputRowLength, binding.InputRowLength), editor.Values);
            value = editor.Commit();
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(slot)),
    };

    /// <summary>Casts a getter to the type the caller asked for, or says which type the column has.</summary>
    public static ValueGetter<TValue> Typed<TValue>(Delegate getter, DataViewSchema.Column column)
        => getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type} (raw {column.Type.RawType.Name}); a getter of {typeof(TValue).Name} was requested.");

    private static void CopyTo(ReadOnlySpan<float> source, ref VBuffer<float> destination)
    {
        var editor = VBufferEditor.Create(ref destination, source.Length);
        source.CopyTo(editor.Values);
        destination = editor.Commit();
    }
}
