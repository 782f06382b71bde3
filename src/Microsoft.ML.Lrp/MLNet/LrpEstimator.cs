using Microsoft.ML.Data;
using Microsoft.ML.Lrp.MLNet;

namespace Microsoft.ML.Lrp;

/// <summary>
/// The LRP step of an ML.NET pipeline before fitting. <see cref="Fit"/> trains nothing: it checks the input schema,
/// loads the ONNX model and plans the relevance pass once, and returns an <see cref="LrpTransformer"/>. Create it with
/// <c>mlContext.Transforms.ExplainWithLrp</c>.
/// </summary>
public sealed class LrpEstimator : IEstimator<LrpTransformer>
{
    private readonly Func<LrpOptions, IBatchExplainer> _explainerFactory;
    private (string InputName, string OutputName, IReadOnlyCollection<string> AdditionalInputs)? _signature;

    internal LrpEstimator(LrpOptions options, Func<LrpOptions, IBatchExplainer> explainerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        if ((options.ModelFile is null) == (options.ModelBytes is null))
        {
            throw new ArgumentException("Set exactly one of LrpOptions.ModelFile and LrpOptions.ModelBytes.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, "options.BatchSize");
        ArgumentNullException.ThrowIfNull(options.Target, "options.Target");
        Options = options;
        _explainerFactory = explainerFactory;
    }

    /// <summary>The options of this step.</summary>
    public LrpOptions Options { get; }

    /// <summary>The ML.NET environment the fitted step logs its progress to (the catalog's); null logs nothing.</summary>
    internal Microsoft.ML.Runtime.IHostEnvironment? Environment { get; init; }

    /// <summary>
    /// Checks the schema of <paramref name="input"/>, loads the model and plans the relevance pass. Reads no rows.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A needed column is missing (the message lists the available columns), or is not a vector of Single of the
    /// model's input length, or the target column is not Int32, Int64, UInt32 or a key.
    /// </exception>
    public LrpTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckNamedColumns(input.Schema);
        var options = LrpSchemaBinding.WithColumnShapes(Options, input.Schema);
        var explainer = _explainerFactory(options);
        try
        {
            LrpSchemaBinding.Bind(input.Schema, options, explainer);
            var fitted = LrpFitCalibration.Run(input, options, explainer);
            return new LrpTransformer(fitted, explainer) { Environment = Environment };
        }
        catch
        {
            explainer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The shape of the output: the input columns, then the explained output (vector of Single), the relevance
    /// (vector of Single, with the input's slot names), the target (Int32), the score (Single) and, when
    /// <see cref="LrpOptions.RelevanceByColumnName"/> is set, the relevance by column (vector of Single, with the
    /// groups' names as slot names; the groups are checked at <see cref="Fit"/>). When the options
    /// name neither the input nor the output, the model is loaded once to learn their names.
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var (inputName, outputName, additional) = Signature();
        var input = Find(inputSchema, inputName, "explained input");
        if ((input.Kind != SchemaShape.Column.VectorKind.Vector && input.Kind != SchemaShape.Column.VectorKind.VariableVector)
            || input.ItemType != NumberDataViewType.Single)
        {
            throw LrpSchemaErrors.WrongType("explained input", inputName, "a vector of Single", $"{input.Kind} of {input.ItemType}");
        }

        foreach (string name in additional)
        {
            Find(inputSchema, name, $"model input (ONNX input '{name}')");
        }

        if (Options.Target.Kind == LrpTargetKind.FromColumn)
        {
            string name = Options.Target.ColumnName!;
            var target = Find(inputSchema, name, "target");
            bool integer = target.IsKey
                || target.ItemType == NumberDataViewType.Int32
                || target.ItemType == NumberDataViewType.Int64
                || target.ItemType == NumberDataViewType.UInt32;
            if (target.Kind != SchemaShape.Column.VectorKind.Scalar || !integer)
            {
                throw LrpSchemaErrors.WrongType("target", name, "a scalar Int32, Int64, UInt32 or key", $"{target.Kind} of {target.ItemType}");
            }
        }

        var added = LrpSchemaBinding.AddedNames(Options, outputName);
        var slotNames = new SchemaShape(input.Annotations.Where(a => a.Name == LrpSchemaBinding.SlotNamesKind));
        var columns = inputSchema.Where(c => !added.Contains(c.Name)).ToList();
        columns.Add(LrpSchemaShapes.Column(outputName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
        columns.Add(LrpSchemaShapes.Column(Options.RelevanceColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, slotNames));
        columns.Add(LrpSchemaShapes.Column(Options.TargetColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Int32));
        columns.Add(LrpSchemaShapes.Column(Options.ScoreColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single));
        if (Options.RelevanceByColumnName is { } grouped)
        {
            var groupNames = new SchemaShape([LrpSchemaShapes.Column(LrpSchemaBinding.SlotNamesKind, SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance)]);
            columns.Add(LrpSchemaShapes.Column(grouped, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, groupNames));
        }

        foreach (string column in LrpSchemaBinding.RelevanceOutputColumns(Options))
        {
            columns.Add(LrpSchemaShapes.Column(column, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single));
        }

        return new SchemaShape(columns);
    }

    private static SchemaShape.Column Find(SchemaShape schema, string name, string role)
    {
        foreach (var column in schema)
        {
            if (column.Name == name)
            {
                return column;
            }
        }

        throw LrpSchemaErrors.MissingColumn(role, name, LrpSchemaErrors.VisibleNames(schema));
    }

    private void CheckNamedColumns(DataViewSchema schema)
    {
        if (Options.InputColumnName is { } inputName && schema.GetColumnOrNull(inputName) is null)
        {
            throw LrpSchemaErrors.MissingColumn("explained input", inputName, LrpSchemaErrors.VisibleNames(schema));
        }

        if (Options.Target.Kind == LrpTargetKind.FromColumn && schema.GetColumnOrNull(Options.Target.ColumnName!) is null)
        {
            throw LrpSchemaErrors.MissingColumn("target", Options.Target.ColumnName!, LrpSchemaErrors.VisibleNames(schema));
        }
    }

    private (string InputName, string OutputName, IReadOnlyCollection<string> AdditionalInputs) Signature()
    {
        if (_signature is { } known)
        {
            return known;
        }

        if (Options.InputColumnName is { } input && Options.OutputName is { } output)
        {
            _signature = (input, output, []);
        }
        else
        {
            using var explainer = _explainerFactory(Options);
            _signature = (explainer.InputName, explainer.OutputName, explainer.AdditionalInputs.Keys.ToArray());
        }

        return _signature.Value;
    }
}
