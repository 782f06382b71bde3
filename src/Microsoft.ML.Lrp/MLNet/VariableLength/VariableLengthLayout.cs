using System.Globalization;
using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.MLNet.VariableLength;

/// <summary>
/// Where the variable dimension of a model's explained input lies, when no option and no column fixes it: the one
/// symbolic dimension of its row (a transformer's sequence), the other inputs that share it (by symbolic name), the
/// attention mask among them, and whether the explained output's declared shape follows it.
/// </summary>
internal sealed class VariableLengthLayout
{
    private VariableLengthLayout(string inputName, int[] rowShape, int axis, string? dimName)
    {
        InputName = inputName;
        RowShape = rowShape;
        Axis = axis;
        DimName = dimName;
        Outer = rowShape[..axis].Aggregate(1, (a, b) => a * b);
        Inner = rowShape[(axis + 1)..].Aggregate(1, (a, b) => a * b);
    }

    /// <summary>The explained input.</summary>
    public string InputName { get; }

    /// <summary>The declared dimensions of one row, -1 at <see cref="Axis"/>.</summary>
    public int[] RowShape { get; }

    /// <summary>The variable axis of one row (0 for <c>[batch, sequence]</c>).</summary>
    public int Axis { get; }

    /// <summary>The symbolic name of the variable dimension (<c>sequence</c>); null when it has none.</summary>
    public string? DimName { get; }

    /// <summary>Elements of a row before the variable axis (the product of the dimensions before it).</summary>
    public int Outer { get; }

    /// <summary>Elements of a row after the variable axis.</summary>
    public int Inner { get; }

    /// <summary>The other inputs that share the variable dimension, with its axis in their declared shape.</summary>
    public IReadOnlyDictionary<string, int> SharedAxes { get; private init; } = new Dictionary<string, int>();

    /// <summary>The attention mask among <see cref="SharedAxes"/> (an input named like a mask); null when there is none.</summary>
    public string? MaskInput { get; private init; }

    /// <summary>True when the explained output declares a fixed row shape (only its axis 0 may be symbolic).</summary>
    public bool OutputDeclaredFixed { get; private init; }

    /// <summary>True when the explained output declares the variable dimension.</summary>
    public bool OutputDeclaredFollows { get; private init; }

    /// <summary>The declared row shape with <paramref name="length"/> at the variable axis.</summary>
    public int[] RowShapeAt(int length)
    {
        var shape = (int[])RowShape.Clone();
        shape[Axis] = length;
        return shape;
    }

    /// <summary>
    /// The layout when the explained input has one variable dimension besides the batch that nothing fixes (no
    /// <see cref="LrpOptions.InputRowShape"/>, no entry of <see cref="LrpOptions.InputRowShapes"/>, no column
    /// dimensions); null when its shape resolves, or when it fails for another reason (the explainer then says why).
    /// </summary>
    /// <exception cref="LrpException">The explained input has several variable dimensions that nothing fixes: the
    /// message names the input, the dimensions and <see cref="LrpOptions.InputRowShape"/>.</exception>
    public static VariableLengthLayout? Detect(LrpOptions options)
    {
        if (options.InputRowShape is not null || (options.ModelFile is null) == (options.ModelBytes is null))
        {
            return null;
        }

        string description = options.ModelFile is not null ? $"the model '{options.ModelFile}'" : "the model bytes";
        var graph = (options.ModelFile is not null ? OnnxModel.Load(options.ModelFile) : OnnxModel.Load(options.ModelBytes!)).Graph;
        var explained = options.InputColumnName is null ? graph.Inputs.FirstOrDefault() : graph.Inputs.FirstOrDefault(i => i.Name == options.InputColumnName);
        var output = options.OutputName is null ? graph.Outputs.FirstOrDefault() : graph.Outputs.FirstOrDefault(o => o.Name == options.OutputName);
        if (explained?.Shape is not { Count: > 1 } declared || output is null || options.InputRowShapes?.ContainsKey(explained.Name) == true)
        {
            return null;
        }

        try
        {
            InputShapeResolver.Resolve(graph.Inputs, explained, options, description);
            return null;
        }
        catch (LrpException)
        {
            // Unresolved: a variable-length column may give the one variable dimension per row.
        }

        var variable = Enumerable.Range(1, declared.Count - 1).Where(a => declared[a].Value is null).ToArray();
        if (variable.Length == 0)
        {
            return null;
        }

        if (variable.Length > 1)
        {
            string dims = string.Join(", ", variable.Select(a => $"{a.ToString(CultureInfo.InvariantCulture)} ('{declared[a]}')"));
            throw new LrpException(
                $"The input '{explained.Name}' of {description} has {variable.Length} variable dimensions besides the batch ({dims}) that no option fixes; "
                + $"a column of variable length gives only one of them per row. Give the row's shape in LrpOptions.InputRowShape (the dimensions of [{string.Join(", ", declared.Skip(1))}]), "
                + "or read the input from a column of fixed size whose VectorDataViewType.Dimensions give them.");
        }

        int axis = variable[0];
        string? name = declared[axis].Param is { Length: > 0 } p ? p : null;
        var rowShape = declared.Skip(1).Select(d => d.Value is long v ? (int)v : -1).ToArray();
        var shared = new Dictionary<string, int>(StringComparer.Ordinal);
        if (name is not null)
        {
            foreach (var other in graph.Inputs.Where(i => i.Name != explained.Name && i.Shape is not null))
            {
                int at = other.Shape!.ToList().FindIndex(d => d.Param == name);
                if (at >= 0)
                {
                    shared[other.Name] = at;
                }
            }
        }

        var outputShape = output.Shape;
        return new VariableLengthLayout(explained.Name, rowShape, axis - 1, name)
        {
            SharedAxes = shared,
            MaskInput = shared.Keys.FirstOrDefault(TokenInputs.IsAttentionMask),
            OutputDeclaredFixed = outputShape is { Count: > 0 } && outputShape.Skip(1).All(d => d.Value is not null),
            OutputDeclaredFollows = outputShape is not null && name is not null && outputShape.Any(d => d.Param == name),
        };
    }
}
