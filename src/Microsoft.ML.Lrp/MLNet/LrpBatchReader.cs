using Microsoft.ML.Data;
using Microsoft.ML.Lrp.MLNet.VariableLength;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// Copies what one LRP call needs from the current row of a cursor (or row) into batch buffers: the explained input
/// (checked for length and for NaN or infinite values), the additional ONNX inputs and the per-row targets; then
/// makes one <see cref="IBatchExplainer.Explain"/> call for the rows read.
/// </summary>
internal sealed class LrpBatchReader
{
    private readonly LrpSchemaBinding _binding;
    private readonly DataViewRow _row;
    private readonly ValueGetter<VBuffer<float>> _inputGetter;
    private readonly LrpAdditionalInputReader[] _additional;
    private readonly LrpTargetReader? _targetReader;
    private readonly float[] _input;
    private readonly int[]? _targets;
    private readonly LrpRaggedBatchReader? _ragged;
    private VBuffer<float> _scratch;

    public LrpBatchReader(LrpSchemaBinding binding, DataViewRow row, int capacity)
    {
        _binding = binding;
        _row = row;
        if (binding.VariableLength)
        {
            // Rows of their own lengths (a variable-length column): buffered per row.
            _ragged = new LrpRaggedBatchReader(binding, row, capacity);
            _inputGetter = null!;
            _additional = [];
            _input = [];
            return;
        }

        _inputGetter = LrpExplainedInputGetter.Create(row, binding.InputColumn);
        _additional = binding.AdditionalColumns.Select(c => LrpAdditionalInputReader.Create(row, c, capacity)).ToArray();
        if (binding.TargetColumn is { } target)
        {
            _targetReader = new LrpTargetReader(row, target, binding.OutputRowLength);
            _targets = new int[capacity];
        }

        _input = new float[capacity * binding.InputRowLength];
    }

    /// <summary>Copies the current row into <paramref name="slot"/>.</summary>
    public void Read(int slot)
    {
        if (_ragged is not null)
        {
            _ragged.Read(slot);
            return;
        }

        long rowIndex = _row.Position;
        int length = _binding.InputRowLength;
        string name = _binding.InputColumn.Name;
        _inputGetter(ref _scratch);
        if (_scratch.Length != length)
        {
            throw new LrpException($"Row {rowIndex}: the explained input column '{name}' has {_scratch.Length} elements; the model expects {length}.");
        }

        var destination = _input.AsSpan(slot * length, length);
        _scratch.CopyTo(destination);
        for (int i = 0; i < destination.Length; i++)
        {
            if (!float.IsFinite(destination[i]))
            {
                throw new LrpException($"Row {rowIndex}: the explained input column '{name}' holds {destination[i]} at element {i}. LRP needs finite inputs: filter out or replace missing values (for example with ReplaceMissingValues) before ExplainWithLrp.");
            }
        }

        foreach (var reader in _additional)
        {
            reader.Read(slot, rowIndex);
        }

        if (_targetReader is not null)
        {
            _targets![slot] = _targetReader.Read(rowIndex);
        }
    }

    /// <summary>Explains the first <paramref name="rows"/> slots in one call.</summary>
    public LrpExplanation Explain(IBatchExplainer explainer, int rows)
    {
        if (_ragged is not null)
        {
            return _ragged.Explain(explainer, rows);
        }

        int length = _binding.InputRowLength;
        float[] input = rows * length == _input.Length ? _input : _input.AsSpan(0, rows * length).ToArray();
        int[]? targets = _targets is null ? null : (rows == _targets.Length ? _targets : _targets.AsSpan(0, rows).ToArray());
        Dictionary<string, Array>? additional = _additional.Length == 0
            ? null
            : _additional.ToDictionary(r => r.Column.InputName, r => r.Take(rows));
        var explanation = explainer.Explain(input, rows, targets, additional);
        if (explanation.Rows != rows
            || explanation.Relevance.Length < rows * length
            || explanation.Output.Length < rows * _binding.OutputRowLength
            || explanation.Targets.Length < rows
            || explanation.Scores.Length < rows)
        {
            throw new InvalidOperationException($"The explainer returned {explanation.Rows} rows for a batch of {rows}, or arrays shorter than the batch.");
        }

        return explanation;
    }
}
