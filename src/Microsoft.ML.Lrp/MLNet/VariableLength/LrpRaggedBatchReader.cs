using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet.VariableLength;

/// <summary>
/// The batch buffers of a variable-length explained column: each row's input (checked for NaN or infinite values),
/// each row's values of the other ONNX inputs and its target, all at the row's own length; then one
/// <see cref="IRaggedBatchExplainer.ExplainRagged"/> call for the rows read.
/// </summary>
internal sealed class LrpRaggedBatchReader
{
    private readonly LrpSchemaBinding _binding;
    private readonly DataViewRow _row;
    private readonly ValueGetter<VBuffer<float>> _inputGetter;
    private readonly (string Name, Func<Array> Read, Array[] Rows)[] _additional;
    private readonly LrpTargetReader? _targetReader;
    private readonly float[][] _rows;
    private readonly long[] _positions;
    private readonly int[]? _targets;
    private VBuffer<float> _scratch;

    public LrpRaggedBatchReader(LrpSchemaBinding binding, DataViewRow row, int capacity)
    {
        _binding = binding;
        _row = row;
        _inputGetter = LrpExplainedInputGetter.Create(row, binding.InputColumn);
        _additional = binding.AdditionalColumns.Select(c => (c.InputName, Reader(row, c.Column), new Array[capacity])).ToArray();
        if (binding.TargetColumn is { } target)
        {
            // A variable output length is checked by the explainer of each row's length.
            _targetReader = new LrpTargetReader(row, target, binding.OutputRowLength > 0 ? binding.OutputRowLength : int.MaxValue);
            _targets = new int[capacity];
        }

        _rows = new float[capacity][];
        _positions = new long[capacity];
    }

    /// <summary>Copies the current row into <paramref name="slot"/>.</summary>
    public void Read(int slot)
    {
        long rowIndex = _row.Position;
        string name = _binding.InputColumn.Name;
        _inputGetter(ref _scratch);
        var values = _scratch.DenseValues().ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new LrpException($"Row {rowIndex}: the explained input column '{name}' holds {values[i]} at element {i}. LRP needs finite inputs: filter out or replace missing values (for example with ReplaceMissingValues) before ExplainWithLrp.");
            }
        }

        _rows[slot] = values;
        _positions[slot] = rowIndex;
        foreach (var (_, read, rows) in _additional)
        {
            rows[slot] = read();
        }

        if (_targetReader is not null)
        {
            _targets![slot] = _targetReader.Read(rowIndex);
        }
    }

    /// <summary>Explains the first <paramref name="rows"/> slots in one call.</summary>
    public LrpExplanation Explain(IBatchExplainer explainer, int rows)
    {
        var ragged = explainer as IRaggedBatchExplainer
            ?? throw new InvalidOperationException("A variable-length LRP binding needs an explainer of rows of their own lengths.");
        for (int r = 0; r < rows; r++)
        {
            if (ragged.SequenceLength(_rows[r].Length) < 0)
            {
                throw new LrpException($"Row {_positions[r]}: the explained input column '{_binding.InputColumn.Name}' has {_rows[r].Length} elements; the model needs a positive multiple of {ragged.ElementsPerPosition} (one per position of its variable dimension times the others).");
            }
        }

        var additional = _additional.Length == 0 ? null : _additional.ToDictionary(a => a.Name, a => a.Rows[..rows], StringComparer.Ordinal);
        var explanation = ragged.ExplainRagged(_rows[..rows], _targets?[..rows], additional);
        if (explanation.Rows != rows)
        {
            throw new InvalidOperationException($"The explainer returned {explanation.Rows} rows for a batch of {rows}.");
        }

        return explanation;
    }

    /// <summary>A reader of the current row's values of an additional input, as a new array (float[], long[] or int[]).</summary>
    private static Func<Array> Reader(DataViewRow row, DataViewSchema.Column column)
    {
        var itemType = column.Type is VectorDataViewType vector ? vector.ItemType : column.Type;
        if (itemType == NumberDataViewType.Single)
        {
            return Typed<float>(row, column);
        }

        return itemType == NumberDataViewType.Int64 ? Typed<long>(row, column) : Typed<int>(row, column);
    }

    private static Func<Array> Typed<T>(DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type is not VectorDataViewType)
        {
            var scalar = row.GetGetter<T>(column);
            return () =>
            {
                T value = default!;
                scalar(ref value);
                return new[] { value };
            };
        }

        var getter = row.GetGetter<VBuffer<T>>(column);
        VBuffer<T> scratch = default;
        return () =>
        {
            getter(ref scratch);
            return scratch.DenseValues().ToArray();
        };
    }
}
