using System.Globalization;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// Resolves how every ONNX input is fed, from its declared shape, <see cref="LrpOptions.InputRowShape"/> and
/// <see cref="LrpOptions.InputRowShapes"/>.
/// </summary>
/// <remarks>
/// The rule (documented on <see cref="LrpOptions.InputRowShapes"/>):
/// <list type="bullet">
/// <item>The explained input's batch axis is axis 0.</item>
/// <item>Another input's batch axis is the axis whose symbolic name is the explained input's batch dimension's
/// (<c>batch</c> in <c>[2, batch, 128]</c>). Without such an axis, axis 0 is the batch axis when it is symbolic
/// and no given shape fixes its name, or when it is fixed at the explained input's fixed batch size; otherwise, and
/// for scalars, the input has no batch axis and is fed once per batch.</item>
/// <item>A shape in <see cref="LrpOptions.InputRowShapes"/> with one dimension fewer than the input's rank is a
/// per-row shape (its batch axis: the named one, else the first variable axis, else axis 0); one with as many
/// dimensions as the rank is the whole tensor of an input without a batch axis.</item>
/// <item>A variable dimension takes the value given for it, else the value given for another input's dimension of
/// the same symbolic name. Zero is allowed (an empty key/value cache), except on the explained input.</item>
/// </list>
/// </remarks>
internal static class InputShapeResolver
{
    public static Dictionary<string, ModelInputShape> Resolve(IReadOnlyList<OnnxValueInfo> inputs, OnnxValueInfo explained, LrpOptions options, string modelDescription)
    {
        var given = GivenShapes(inputs, explained, options, modelDescription);
        if (explained.Shape is not { Count: > 0 })
        {
            throw new LrpException($"The explained input '{explained.Name}' of {modelDescription} has {(explained.Shape is null ? "no known shape" : "rank 0")}; a batch dimension followed by the row's dimensions is needed.");
        }

        var batch = explained.Shape[0];
        var axes = new Dictionary<string, int>(StringComparer.Ordinal);
        var named = new Dictionary<string, (int Value, string From)>(StringComparer.Ordinal);

        // Batch axes of the inputs with given shapes first: their symbolic dims name values for all the others.
        foreach (var (name, shape) in given)
        {
            var info = inputs.First(i => i.Name == name);
            int axis = GivenBatchAxis(info, shape, batch, name == explained.Name, modelDescription);
            axes[name] = axis;
            for (int a = 0, r = 0; a < info.Shape!.Count; a++)
            {
                if (a == axis)
                {
                    continue;
                }

                int value = shape[r++];
                if (info.Shape[a].Param is { Length: > 0 } param && param != batch.Param)
                {
                    if (named.TryGetValue(param, out var other) && other.Value != value)
                    {
                        throw new LrpException($"The dimension '{param}' is {other.Value} in the shape given for '{other.From}' but {value} in the one given for '{name}' ({OptionName(name, explained.Name)}); give both inputs the same value.");
                    }

                    named[param] = (value, name);
                }
            }
        }

        var result = new Dictionary<string, ModelInputShape>(StringComparer.Ordinal);
        foreach (var info in inputs)
        {
            bool isExplained = info.Name == explained.Name;
            if (info.Shape is null)
            {
                throw new LrpException($"The input '{info.Name}' of {modelDescription} has no known shape (not even its rank), so it cannot be fed; give the model a declared shape for it.");
            }

            int axis = axes.TryGetValue(info.Name, out int known) ? known : DefaultBatchAxis(info, batch, named);
            var rowShape = new List<int>(info.Shape.Count);
            var givenShape = given.GetValueOrDefault(info.Name);
            for (int a = 0, r = 0; a < info.Shape.Count; a++)
            {
                if (a == axis)
                {
                    continue;
                }

                var d = info.Shape[a];
                int value;
                if (givenShape is not null)
                {
                    value = givenShape[r];
                    if (d.Value is long declared && declared != value)
                    {
                        throw new LrpException($"{OptionName(info.Name, explained.Name)} gives {value} for dimension {a} of the input '{info.Name}' of {modelDescription}, which the model fixes at {declared}.");
                    }
                }
                else if (d.Value is long fixedValue)
                {
                    if (fixedValue > Array.MaxLength)
                    {
                        throw new LrpException($"The input '{info.Name}' of {modelDescription} declares dimension {a} as {fixedValue}, more elements than one array can hold.");
                    }

                    value = (int)fixedValue;
                }
                else if (d.Param is { Length: > 0 } param && named.TryGetValue(param, out var fromOther))
                {
                    value = fromOther.Value;
                }
                else
                {
                    throw Unresolved(info, a, axis, explained.Name, modelDescription);
                }

                if (value < 0 || (value == 0 && isExplained))
                {
                    throw new LrpException($"{OptionName(info.Name, explained.Name)} gives {value} for dimension {a} ('{d}') of the input '{info.Name}' of {modelDescription}; dimensions must be {(isExplained ? "positive on the explained input" : "zero or more")}.");
                }

                rowShape.Add(value);
                r++;
            }

            long rowLength = rowShape.Aggregate(1L, (p, v) => Math.Min(p * v, long.MaxValue / 2));
            if (rowLength * 2 > Array.MaxLength)
            {
                throw new LrpException($"A row of the input '{info.Name}' of {modelDescription} has shape [{string.Join(", ", rowShape)}] ({rowLength} elements): two rows would not fit in one array ({Array.MaxLength} elements).");
            }

            result[info.Name] = new ModelInputShape(info.Name, [.. rowShape], axis);
        }

        return result;
    }

    /// <summary>The shapes the options give, checked against the model's inputs (the explained input's from either option).</summary>
    private static Dictionary<string, int[]> GivenShapes(IReadOnlyList<OnnxValueInfo> inputs, OnnxValueInfo explained, LrpOptions options, string modelDescription)
    {
        var given = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var (name, shape) in options.InputRowShapes ?? new Dictionary<string, int[]>())
        {
            if (!inputs.Any(i => i.Name == name))
            {
                throw new LrpException($"LrpOptions.InputRowShapes names '{name}', which is not an input of {modelDescription}. Its inputs: {string.Join(", ", inputs.Select(i => i.Name))}.");
            }

            given[name] = shape ?? throw new LrpException($"LrpOptions.InputRowShapes[\"{name}\"] is null; give the input's per-row shape or remove the entry.");
        }

        if (options.InputRowShape is { } rowShape)
        {
            if (given.TryGetValue(explained.Name, out var other) && !other.SequenceEqual(rowShape))
            {
                throw new LrpException($"LrpOptions.InputRowShape [{string.Join(", ", rowShape)}] and LrpOptions.InputRowShapes[\"{explained.Name}\"] [{string.Join(", ", other)}] disagree on the explained input; give one of them.");
            }

            given[explained.Name] = [.. rowShape];
        }

        foreach (var (name, shape) in options.ColumnRowShapes ?? new Dictionary<string, int[]>())
        {
            if (!given.ContainsKey(name) && inputs.FirstOrDefault(i => i.Name == name) is { } info
                && ColumnShape(info, shape, name == explained.Name, explained.Shape is { Count: > 0 } e ? e[0] : default) is { } fitted)
            {
                given[name] = fitted;
            }
        }

        return given;
    }

    /// <summary>
    /// The row shape an ML.NET column gives the input: its dimensions when they fit (<see cref="ColumnShapeFits"/>);
    /// else, for a column of one dimension (a fixed-size vector of n values), the declared row with its one variable
    /// dimension set to n divided by the product of the fixed ones, when that divides evenly; else null.
    /// </summary>
    private static int[]? ColumnShape(OnnxValueInfo info, int[] shape, bool isExplained, OnnxDim batch)
    {
        if (ColumnShapeFits(info, shape, isExplained, batch))
        {
            return shape;
        }

        if (shape.Length != 1 || shape[0] <= 0 || info.Shape is not { Count: > 1 } declared)
        {
            return null;
        }

        int axis = isExplained ? 0 : PerRowBatchAxis(info, batch);
        var row = declared.Where((_, a) => a != axis).ToArray();
        if (declared[axis].Value is long b && b != batch.Value || row.Count(d => d.Value is null) != 1)
        {
            return null;
        }

        long known = row.Where(d => d.Value is not null).Aggregate(1L, (p, d) => p * d.Value!.Value);
        if (known <= 0 || shape[0] % known != 0)
        {
            return null;
        }

        return [.. row.Select(d => d.Value is long v ? (int)v : (int)(shape[0] / known))];
    }

    /// <summary>
    /// True when an ML.NET column's dimensions can shape the input: the input has variable dimensions besides its
    /// batch axis (the named one, else axis 0), and the column gives one row's dimensions, agreeing with every fixed one.
    /// </summary>
    private static bool ColumnShapeFits(OnnxValueInfo info, int[] shape, bool isExplained, OnnxDim batch)
    {
        if (info.Shape is not { Count: > 0 } declared || shape.Length != declared.Count - 1 || shape.Any(d => d <= 0))
        {
            return false;
        }

        int axis = isExplained ? 0 : PerRowBatchAxis(info, batch);
        var row = declared.Where((_, a) => a != axis).ToArray();
        bool batchAxisFree = declared[axis].Value is null || declared[axis].Value == batch.Value;
        return batchAxisFree && row.Any(d => d.Value is null) && row.Zip(shape).All(p => p.First.Value is not long v || v == p.Second);
    }

    private static int GivenBatchAxis(OnnxValueInfo info, int[] shape, OnnxDim batch, bool isExplained, string modelDescription)
    {
        string option = isExplained ? "LrpOptions.InputRowShape" : $"LrpOptions.InputRowShapes[\"{info.Name}\"]";
        if (info.Shape is null)
        {
            throw new LrpException($"{option} gives a shape for the input '{info.Name}' of {modelDescription}, whose rank is unknown; declare its shape in the model.");
        }

        int rank = info.Shape.Count;
        if (shape.Length == rank - 1)
        {
            return isExplained ? 0 : PerRowBatchAxis(info, batch);
        }

        if (shape.Length == rank && !isExplained)
        {
            return -1;
        }

        string expected = isExplained
            ? $"{rank - 1} (every dimension but the batch)"
            : $"{rank - 1} (one row, without the batch axis) or {rank} (the whole tensor of an input without a batch axis, fed once per batch)";
        throw new LrpException($"{option} [{string.Join(", ", shape)}] does not fit the input '{info.Name}' of {modelDescription}, whose shape is [{string.Join(", ", info.Shape)}]: give {expected} dimensions.");
    }

    private static int DefaultBatchAxis(OnnxValueInfo info, OnnxDim batch, Dictionary<string, (int Value, string From)> named)
    {
        var shape = info.Shape!;
        if (shape.Count == 0)
        {
            return -1;
        }

        int axis = NamedBatchAxis(info, batch);
        if (axis >= 0)
        {
            return axis;
        }

        var first = shape[0];
        bool symbolic = first.Value is null && (first.Param is not { Length: > 0 } param || !named.ContainsKey(param));
        bool sameFixedBatch = first.Value is long v && batch.Value == v;
        return symbolic || sameFixedBatch ? 0 : -1;
    }

    /// <summary>The batch axis of an input given a per-row shape: the named one, else the first variable axis, else axis 0.</summary>
    private static int PerRowBatchAxis(OnnxValueInfo info, OnnxDim batch)
    {
        int named = NamedBatchAxis(info, batch);
        if (named >= 0)
        {
            return named;
        }

        for (int a = 0; a < info.Shape!.Count; a++)
        {
            if (info.Shape[a].Value is null)
            {
                return a;
            }
        }

        return 0;
    }

    private static int NamedBatchAxis(OnnxValueInfo info, OnnxDim batch)
    {
        if (batch.Param is not { Length: > 0 } batchName)
        {
            return -1;
        }

        for (int a = 0; a < info.Shape!.Count; a++)
        {
            if (info.Shape[a].Param == batchName)
            {
                return a;
            }
        }

        return -1;
    }

    private static LrpException Unresolved(OnnxValueInfo info, int axis, int batchAxis, string explainedName, string modelDescription)
    {
        var d = info.Shape![axis];
        var row = info.Shape.Where((_, a) => a != batchAxis).Select(x => x.ToString());
        string where = batchAxis >= 0 ? $"its batch axis is {batchAxis.ToString(CultureInfo.InvariantCulture)}, so one row is [{string.Join(", ", row)}]" : "it has no batch axis, so give the whole tensor";
        string option = info.Name == explainedName
            ? $"LrpOptions.InputRowShape (or LrpOptions.InputRowShapes[\"{info.Name}\"])"
            : $"LrpOptions.InputRowShapes[\"{info.Name}\"]";
        string name = d.Param is { Length: > 0 } p ? $"'{p}'" : "(unnamed)";
        return new LrpException($"The input '{info.Name}' of {modelDescription} has a variable dimension {axis.ToString(CultureInfo.InvariantCulture)} {name} that no option fixes; give its shape in {option} ({where}), or give a shape for another input that shares the dimension's name (in ML.NET, a column of fixed size or with VectorDataViewType.Dimensions gives it too).");
    }

    private static string OptionName(string input, string explained)
        => input == explained ? "LrpOptions.InputRowShape" : $"LrpOptions.InputRowShapes[\"{input}\"]";
}
