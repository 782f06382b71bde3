using Microsoft.ML.Data;
using Microsoft.ML.Lrp.MLNet;

namespace Microsoft.ML.Lrp;

/// <summary>
/// The fitted LRP step of an ML.NET pipeline: appends the explained ONNX output, the relevance of the explained input,
/// the target index and the score to each row. <see cref="Transform"/> is lazy and explains rows in batches of
/// <see cref="LrpOptions.BatchSize"/>; <see cref="GetRowToRowMapper"/> serves <c>PredictionEngine</c> one row at a
/// time. Dispose to release the ONNX Runtime session; cursors must not be used after that.
/// </summary>
/// <remarks>
/// <c>mlContext.Model.Save</c> cannot store this transformer (ML.NET's save context is internal): use
/// <c>mlContext.Model.SaveWithLrp</c> and <c>mlContext.Model.LoadWithLrp</c> (<see cref="LrpModelCatalog"/>), or
/// <see cref="LrpModel.Save"/> and <see cref="LrpModel.Load(MLContext, string, out DataViewSchema)"/>.
/// </remarks>
public sealed class LrpTransformer : ITransformer, IDisposable
{
    private readonly IBatchExplainer _explainer;
    private volatile bool _disposed;

    internal LrpTransformer(LrpOptions options, IBatchExplainer explainer)
    {
        Options = options;
        _explainer = explainer;
    }

    /// <summary>The options this step was built with.</summary>
    public LrpOptions Options { get; }

    /// <summary>Statistics of the relevance plan.</summary>
    public LrpPlanStatistics Statistics
    {
        get
        {
            ThrowIfDisposed();
            return _explainer.Statistics;
        }
    }

    /// <summary>The backend that runs the relevance pass.</summary>
    public string BackendName
    {
        get
        {
            ThrowIfDisposed();
            return _explainer.BackendName;
        }
    }

    /// <summary>The name of the column holding the explained ONNX output (the output's name).</summary>
    public string OutputColumnName => _explainer.OutputName;

    /// <summary>Always true: each output row depends on its input row only.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The ML.NET environment that logs this step's progress (<c>MLContext.Log</c>); null logs nothing.</summary>
    internal Microsoft.ML.Runtime.IHostEnvironment? Environment { get; init; }

    internal IBatchExplainer Explainer
    {
        get
        {
            ThrowIfDisposed();
            return _explainer;
        }
    }

    /// <summary>The input columns followed by the explained output, relevance, target and score columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A needed column is missing or has the wrong type or length.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema).OutputSchema;

    /// <summary>
    /// Returns a lazy view of <paramref name="input"/> with the added columns. Nothing runs until a cursor over an
    /// added column moves; rows keep their order.
    /// </summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new LrpDataView(this, input, Bind(input.Schema));
    }

    /// <summary>A mapper that explains one row at a time (used by <c>PredictionEngine</c>).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new LrpRowToRowMapper(this, Bind(inputSchema));

    /// <summary>Not supported: ML.NET's model format cannot hold this step.</summary>
    /// <exception cref="NotSupportedException">Always; use <see cref="LrpModel.Save"/>.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx)
        => throw new NotSupportedException(
            "An LRP step cannot be saved with mlContext.Model.Save (ML.NET's save context is internal to ML.NET). "
            + "Use mlContext.Model.SaveWithLrp(model, inputSchema, path) and mlContext.Model.LoadWithLrp(path, out inputSchema) "
            + "(or Microsoft.ML.Lrp.LrpModel.Save and LrpModel.Load) instead.");

    /// <summary>Releases the ONNX Runtime session and the relevance backend.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _explainer.Dispose();
        }
    }

    /// <summary>The model bytes this step was fitted with (what <see cref="LrpModel.Save"/> stores), not a re-read of the file.</summary>
    internal byte[] FittedModelBytes()
    {
        ThrowIfDisposed();
        // Options carry the bytes when the fit made them (calibrated covers in the metadata) or was given them.
        return Options.ModelBytes
            ?? (_explainer is LrpExplainerAdapter adapter ? adapter.Explainer.FittedModelBytes() : Onnx.OnnxModel.ReadFile(Path.GetFullPath(Options.ModelFile!)));
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    internal LrpSchemaBinding Bind(DataViewSchema inputSchema)
    {
        ThrowIfDisposed();
        return LrpSchemaBinding.Bind(inputSchema, Options, _explainer);
    }
}
