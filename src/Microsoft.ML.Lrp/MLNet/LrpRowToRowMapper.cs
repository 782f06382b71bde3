using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>The batch-of-one path used by <c>PredictionEngine</c>: each input row is explained once, on first read.</summary>
internal sealed class LrpRowToRowMapper : IRowToRowMapper
{
    private readonly LrpTransformer _owner;
    private readonly LrpSchemaBinding _binding;

    public LrpRowToRowMapper(LrpTransformer owner, LrpSchemaBinding binding)
    {
        _owner = owner;
        _binding = binding;
    }

    public DataViewSchema InputSchema => _binding.InputSchema;

    public DataViewSchema OutputSchema => _binding.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        => _binding.Dependencies(_binding.ActiveFlags(dependingColumns));

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(activeColumns);
        _owner.ThrowIfDisposed();
        if (input.Schema.Count != _binding.InputSchema.Count)
        {
            throw new ArgumentException($"The row has {input.Schema.Count} columns; this mapper was built for a schema of {_binding.InputSchema.Count}.", nameof(input));
        }

        return new LrpMappedRow(_owner, _binding, input, _binding.ActiveFlags(activeColumns));
    }
}
