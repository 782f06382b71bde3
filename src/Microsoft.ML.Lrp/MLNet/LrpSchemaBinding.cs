using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// One LRP step bound to an input schema: where its inputs come from, and the output schema (every input column,
/// then the explained output, the relevance, the target, the score and, when asked for, the relevance by column; a
/// new column hides an input of its name).
/// </summary>
internal sealed class LrpSchemaBinding
{
    /// <summary>The annotation kind ML.NET uses for slot names.</summary>
    public const string SlotNamesKind = "SlotNames";

    /// <summary>Offsets of the added columns after the input columns.</summary>
    public const int OutputSlot = 0, RelevanceSlot = 1, TargetSlot = 2, ScoreSlot = 3, GroupedSlot = 4;

    private LrpSchemaBinding(
        DataViewSchema inputSchema,
        DataViewSchema outputSchema,
        DataViewSchema.Column inputColumn,
        IReadOnlyList<LrpAdditionalInputColumn> additionalColumns,
        DataViewSchema.Column? targetColumn,
        int inputRowLength,
        int outputRowLength,
        LrpRelevanceGroups? groups,
        bool variableLength,
        IReadOnlyList<string> relevanceOutputTensors)
    {
        VariableLength = variableLength;
        RelevanceOutputTensors = relevanceOutputTensors;
        InputSchema = inputSchema;
        OutputSchema = outputSchema;
        InputColumn = inputColumn;
        AdditionalColumns = additionalColumns;
        TargetColumn = targetColumn;
        InputRowLength = inputRowLength;
        OutputRowLength = outputRowLength;
        Groups = groups;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    /// <summary>The explained input column.</summary>
    public DataViewSchema.Column InputColumn { get; }

    public IReadOnlyList<LrpAdditionalInputColumn> AdditionalColumns { get; }

    /// <summary>The per-row target column of <see cref="LrpTargetKind.FromColumn"/>; null otherwise.</summary>
    public DataViewSchema.Column? TargetColumn { get; }

    public int InputRowLength { get; }

    /// <summary>True when rows have lengths of their own (a variable-length column; <see cref="InputRowLength"/> is 0).</summary>
    public bool VariableLength { get; }

    public int OutputRowLength { get; }

    /// <summary>The groups of <see cref="LrpOptions.RelevanceByColumnName"/>; null when that column is not added.</summary>
    public LrpRelevanceGroups? Groups { get; }

    /// <summary>The tensors of <see cref="LrpOptions.RelevanceOutputs"/>, in the order of their columns (after the others).</summary>
    public IReadOnlyList<string> RelevanceOutputTensors { get; }

    /// <summary>The added-column offset of the first relevance output column.</summary>
    public int FirstRelevanceOutputSlot => Groups is null ? GroupedSlot : GroupedSlot + 1;

    /// <summary>Index in <see cref="OutputSchema"/> of the first added column.</summary>
    public int FirstAddedIndex => InputSchema.Count;

    /// <summary>Checks <paramref name="inputSchema"/> against the options and the model, and builds the output schema.</summary>
    public static LrpSchemaBinding Bind(DataViewSchema inputSchema, LrpOptions options, IBatchExplainer explainer)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckAddedNames(options, explainer.OutputName);

        string inputName = explainer.InputName;
        var inputColumn = inputSchema.GetColumnOrNull(inputName)
            ?? throw LrpSchemaErrors.MissingColumn("explained input", inputName, LrpSchemaErrors.VisibleNames(inputSchema));
        int length = explainer.InputRowLength;
        if (inputColumn.Type is not VectorDataViewType inputType || !LrpExplainedInputGetter.IsSupported(inputType.ItemType))
        {
            throw LrpSchemaErrors.WrongType("explained input", inputName, $"a vector of Single with {length} elements (or of Int64/Int32 token ids)", inputColumn.Type);
        }

        if (inputType.IsKnownSize && inputType.Size != length && !explainer.VariableLength)
        {
            throw LrpSchemaErrors.WrongType("explained input", inputName, $"a vector of Single with {length} elements (the model's input '{inputName}')", $"a vector of {inputType.Size} elements ({inputType})");
        }

        var additional = explainer.AdditionalInputs.Select(pair => BindAdditional(inputSchema, pair.Key, pair.Value, explainer.AdditionalInputBatchAxes.GetValueOrDefault(pair.Key))).ToArray();
        DataViewSchema.Column? targetColumn = null;
        if (options.Target.Kind == LrpTargetKind.FromColumn)
        {
            string name = options.Target.ColumnName!;
            targetColumn = inputSchema.GetColumnOrNull(name)
                ?? throw LrpSchemaErrors.MissingColumn("target", name, LrpSchemaErrors.VisibleNames(inputSchema));
            if (!LrpTargetReader.IsSupported(targetColumn.Value.Type))
            {
                throw LrpSchemaErrors.WrongType("target", name, "Int32, Int64, UInt32 or a key", targetColumn.Value.Type);
            }
        }

        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(explainer.OutputName, VectorOf(explainer.OutputShape, explainer.OutputRowLength));
        var relevanceType = inputType.IsKnownSize ? new VectorDataViewType(NumberDataViewType.Single, inputType.Dimensions) : VectorOf(explainer.InputShape, length);
        builder.AddColumn(options.RelevanceColumnName, relevanceType, RelevanceAnnotations(inputColumn, inputType));
        builder.AddColumn(options.TargetColumnName, NumberDataViewType.Int32);
        builder.AddColumn(options.ScoreColumnName, NumberDataViewType.Single);
        LrpRelevanceGroups? groups = null;
        if (options.RelevanceByColumnName is { } groupedName)
        {
            if (explainer.VariableLength)
            {
                throw new LrpException($"LrpOptions.RelevanceByColumnName needs an explained input of fixed length; the column '{inputName}' has a variable length. Give LrpOptions.InputRowShape, or leave RelevanceByColumnName unset.");
            }

            groups = LrpRelevanceGroups.Resolve(options, inputSchema, inputColumn, length);
            builder.AddColumn(groupedName, new VectorDataViewType(NumberDataViewType.Single, groups.Names.Count), GroupAnnotations(groups));
        }

        var tensors = new List<string>();
        foreach (var (column, tensor) in options.RelevanceOutputs ?? new Dictionary<string, string>())
        {
            builder.AddColumn(column, explainer.RelevanceRowShape(tensor) is { } shape ? VectorOf(shape, shape.Aggregate(1, (a, d) => a * d)) : new VectorDataViewType(NumberDataViewType.Single));
            tensors.Add(tensor);
        }

        return new LrpSchemaBinding(inputSchema, builder.ToSchema(), inputColumn, additional, targetColumn, length, explainer.OutputRowLength, groups, explainer.VariableLength, tensors);
    }

    /// <summary>
    /// <paramref name="options"/> with <see cref="LrpOptions.ColumnRowShapes"/> read from the schema: the
    /// dimensions of every visible vector column whose type has known dimensions, so that a model input with
    /// variable dimensions takes its shape from its column (<c>VectorDataViewType.Dimensions</c>) when no option
    /// gives one.
    /// </summary>
    public static LrpOptions WithColumnShapes(LrpOptions options, DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(schema);
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var column in schema.Where(c => !c.IsHidden))
        {
            if (column.Type is VectorDataViewType { IsKnownSize: true } vector && vector.Dimensions.All(d => d > 0))
            {
                shapes[column.Name] = [.. vector.Dimensions];
            }
        }

        return shapes.Count == 0 ? options : options with { ColumnRowShapes = shapes };
    }

    /// <summary>The names of the added columns, in order (four, or five with <see cref="LrpOptions.RelevanceByColumnName"/>, then one per relevance output).</summary>
    public static string[] AddedNames(LrpOptions options, string outputName)
        => options.RelevanceByColumnName is { } grouped
            ? [outputName, options.RelevanceColumnName, options.TargetColumnName, options.ScoreColumnName, grouped, .. RelevanceOutputColumns(options)]
            : [outputName, options.RelevanceColumnName, options.TargetColumnName, options.ScoreColumnName, .. RelevanceOutputColumns(options)];

    /// <summary>The columns of <see cref="LrpOptions.RelevanceOutputs"/>, in order.</summary>
    public static IEnumerable<string> RelevanceOutputColumns(LrpOptions options) => options.RelevanceOutputs?.Keys ?? [];

    /// <summary>Active flags over <see cref="OutputSchema"/> for the requested columns.</summary>
    public bool[] ActiveFlags(IEnumerable<DataViewSchema.Column> columns)
    {
        var active = new bool[OutputSchema.Count];
        foreach (var column in columns)
        {
            if (column.Index < 0 || column.Index >= active.Length || OutputSchema[column.Index].Name != column.Name)
            {
                throw new ArgumentOutOfRangeException(nameof(columns), $"Column '{column.Name}' (index {column.Index}) does not belong to this LRP output schema.");
            }

            active[column.Index] = true;
        }

        return active;
    }

    /// <summary>True when any added column is active.</summary>
    public bool AnyAddedActive(bool[] active) => active.AsSpan(FirstAddedIndex).Contains(true);

    /// <summary>The input columns that the active output columns need.</summary>
    public IEnumerable<DataViewSchema.Column> Dependencies(bool[] active)
    {
        var needed = new bool[InputSchema.Count];
        for (int i = 0; i < FirstAddedIndex; i++)
        {
            needed[i] = active[i];
        }

        if (AnyAddedActive(active))
        {
            needed[InputColumn.Index] = true;
            foreach (var extra in AdditionalColumns)
            {
                needed[extra.Column.Index] = true;
            }

            if (TargetColumn is { } target)
            {
                needed[target.Index] = true;
            }
        }

        return InputSchema.Where(c => needed[c.Index]).ToArray();
    }

    private static void CheckAddedNames(LrpOptions options, string outputName)
    {
        var names = AddedNames(options, outputName);
        for (int i = 0; i < names.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i]))
            {
                throw new ArgumentException("LRP column names must not be empty.", nameof(options));
            }

            for (int j = 0; j < i; j++)
            {
                if (names[i] == names[j])
                {
                    throw new ArgumentException($"Two LRP output columns would both be named '{names[i]}' (the explained output is named like the ONNX output '{outputName}'); choose other names in LrpOptions.", nameof(options));
                }
            }
        }
    }

    private static LrpAdditionalInputColumn BindAdditional(DataViewSchema schema, string name, IReadOnlyList<int> shape, int batchAxis)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw LrpSchemaErrors.MissingColumn($"model input (ONNX input '{name}')", name, LrpSchemaErrors.VisibleNames(schema));
        var type = column.Type;
        var itemType = type is VectorDataViewType vector ? vector.ItemType : type;
        if (itemType != NumberDataViewType.Single && itemType != NumberDataViewType.Int64 && itemType != NumberDataViewType.Int32)
        {
            throw LrpSchemaErrors.WrongType("model input", name, "Single, Int64 or Int32 (scalar or vector)", type);
        }

        // The explainer resolved every dimension (zero for an empty cache); a variable-size column is checked per row.
        int length = shape.Aggregate(1, (a, d) => a * d);
        int columnLength = type is VectorDataViewType v ? (v.IsKnownSize ? v.Size : -1) : 1;
        if (columnLength >= 0 && length != columnLength)
        {
            throw LrpSchemaErrors.WrongType("model input", name, $"{length} elements per row (ONNX shape [{string.Join(", ", shape)}]{(batchAxis < 0 ? ", no batch axis" : "")}; set LrpOptions.InputRowShapes[\"{name}\"] for other dimensions)", $"{columnLength} elements ({type})");
        }

        return new LrpAdditionalInputColumn(name, column, length);
    }

    private static VectorDataViewType VectorOf(IReadOnlyList<int> shape, int length)
    {
        bool usable = shape.Count > 0 && shape.All(d => d > 0) && shape.Aggregate(1L, (a, d) => a * d) == length;
        return usable ? new VectorDataViewType(NumberDataViewType.Single, shape.ToArray()) : new VectorDataViewType(NumberDataViewType.Single, length);
    }

    private static DataViewSchema.Annotations GroupAnnotations(LrpRelevanceGroups groups)
    {
        var names = groups.Names.Select(n => n.AsMemory()).ToArray();
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(SlotNamesKind, new VectorDataViewType(TextDataViewType.Instance, names.Length), (ref VBuffer<ReadOnlyMemory<char>> value) => value = new VBuffer<ReadOnlyMemory<char>>(names.Length, (ReadOnlyMemory<char>[])names.Clone()));
        return builder.ToAnnotations();
    }

    private static DataViewSchema.Annotations? RelevanceAnnotations(DataViewSchema.Column input, VectorDataViewType type)
    {
        if (!type.IsKnownSize || input.Annotations.Schema.GetColumnOrNull(SlotNamesKind) is null)
        {
            return null;
        }

        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(input.Annotations, kind => kind == SlotNamesKind);
        return builder.ToAnnotations();
    }
}
