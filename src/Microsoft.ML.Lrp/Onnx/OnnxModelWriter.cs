using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Onnx;

/// <summary>
/// Applies the edits of <see cref="OnnxWriteOptions"/> to a copy of a model's protobuf. Everything not edited,
/// unknown fields included, is written back unchanged.
/// </summary>
internal sealed class OnnxModelWriter
{
    /// <summary>The symbolic batch dimension written by <see cref="MakeBatchDynamic"/>.</summary>
    public const string BatchDimension = "N";

    private readonly ModelProto _model;
    private readonly OnnxGraph _graph;
    private readonly string? _externalDataDirectory;
    private readonly string _source;

    public OnnxModelWriter(ModelProto model, OnnxGraph graph, string? externalDataDirectory, string source)
    {
        _model = model;
        _graph = graph;
        _externalDataDirectory = externalDataDirectory;
        _source = source;
    }

    private GraphProto Main => _model.Graph;

    /// <summary>Moves every externally stored tensor (initializers and tensor attributes, subgraphs included) into raw_data.</summary>
    public void InlineExternalData(bool keepShared = false)
    {
        foreach (TensorProto tensor in Main.Initializer)
        {
            if (IsExternal(tensor) && _graph.Initializers.TryGetValue(tensor.Name, out OnnxTensorData? data) && data.Raw is { } raw
                && !(keepShared && data.SharedFloats is not null))
            {
                SetInline(tensor, raw);
            }
        }

        InlineAll(Main);
    }

    /// <summary>Turns a fixed batch dimension of 1 into "N" (see <see cref="OnnxWriteOptions.MakeBatchDynamic"/>).</summary>
    public void MakeBatchDynamic()
    {
        var initializerNames = new HashSet<string>(Main.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        foreach (ValueInfoProto value in Main.Input.Where(i => !initializerNames.Contains(i.Name)).Concat(Main.Output))
        {
            if (FirstDim(value) is { ValueCase: TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue, DimValue: 1 } dim)
            {
                dim.DimParam = BatchDimension;
            }
        }

        foreach (ValueInfoProto value in Main.ValueInfo)
        {
            if (FirstDim(value) is { ValueCase: TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue, DimValue: 1 } dim)
            {
                dim.ClearValue();
            }
        }

        var rewritten = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (NodeProto node in Main.Node)
        {
            if (node.OpType == "Reshape" && node.Domain is "" or "ai.onnx" && node.Input.Count >= 2 && AllowZero(node) == 0
                && !HasFixedFirstDimOtherThanOne(node.Input[0]))
            {
                string shapeName = node.Input[1];
                if (!rewritten.TryGetValue(shapeName, out string? newName))
                {
                    newName = AddBatchCopyingShape(shapeName);
                    if (newName is null)
                    {
                        continue;
                    }

                    rewritten[shapeName] = newName;
                }

                node.Input[1] = newName;
            }
        }
    }

    /// <summary>Appends the named values as untyped graph outputs; names that already are outputs are skipped.</summary>
    public void AddOutputs(IReadOnlyList<string> names)
    {
        var present = new HashSet<string>(Main.Output.Select(o => o.Name), StringComparer.Ordinal);
        var inputs = new HashSet<string>(Main.Input.Select(i => i.Name), StringComparer.Ordinal);
        foreach (string name in names)
        {
            if (!present.Add(name))
            {
                continue;
            }

            if (_graph.Producer(name) is null && !inputs.Contains(name) && !_graph.Initializers.ContainsKey(name))
            {
                throw new LrpException(
                    $"Cannot add '{name}' as an output of {_source}: no node produces it and it is neither a graph input nor an initializer.");
            }

            Main.Output.Add(new ValueInfoProto { Name = name });
        }
    }

    private void InlineAll(GraphProto graph)
    {
        foreach (NodeProto node in graph.Node)
        {
            foreach (AttributeProto attribute in node.Attribute)
            {
                foreach (TensorProto tensor in attribute.Tensors.Prepend(attribute.T))
                {
                    if (tensor is not null && IsExternal(tensor))
                    {
                        SetInline(tensor, OnnxTensorData.FromProto(tensor, _externalDataDirectory).Raw!.Value);
                    }
                }

                foreach (GraphProto subgraph in attribute.Graphs.Prepend(attribute.G))
                {
                    if (subgraph is not null)
                    {
                        foreach (TensorProto tensor in subgraph.Initializer.Where(IsExternal))
                        {
                            SetInline(tensor, OnnxTensorData.FromProto(tensor, _externalDataDirectory).Raw!.Value);
                        }

                        InlineAll(subgraph);
                    }
                }
            }
        }
    }

    private static bool IsExternal(TensorProto tensor)
        => tensor.HasDataLocation && tensor.DataLocation == TensorProto.Types.DataLocation.External;

    private static void SetInline(TensorProto tensor, ReadOnlyMemory<byte> raw)
    {
        tensor.RawData = UnsafeByteOperations.UnsafeWrap(raw);
        tensor.ExternalData.Clear();
        tensor.ClearDataLocation();
    }

    private static TensorShapeProto.Types.Dimension? FirstDim(ValueInfoProto value)
        => value.Type?.TensorType?.Shape is { Dim.Count: > 0 } shape ? shape.Dim[0] : null;

    private static long AllowZero(NodeProto node)
        => node.Attribute.FirstOrDefault(a => a.Name == "allowzero")?.I ?? 0;

    private bool HasFixedFirstDimOtherThanOne(string valueName)
        => _graph.ValueInfos.TryGetValue(valueName, out OnnxValueInfo? info)
            && info.Shape is { Count: > 0 } shape
            && shape[0].Value is long first && first != 1;

    /// <summary>
    /// Adds an initializer equal to the constant shape <paramref name="shapeName"/> with its leading 1 replaced
    /// by 0, and returns its name; null when the shape is not a constant starting with 1.
    /// </summary>
    private string? AddBatchCopyingShape(string shapeName)
    {
        OnnxTensorData? shape = _graph.Initializers.GetValueOrDefault(shapeName);
        if (shape is null && _graph.Producer(shapeName) is { } producer)
        {
            shape = OnnxConstants.TryGetConstantNodeValue(producer);
        }

        if (shape is null || shape.ElementType != OnnxElementType.Int64 || shape.Dims.Length != 1)
        {
            return null;
        }

        long[] values = shape.ToInt64s();
        if (values.Length == 0 || values[0] != 1)
        {
            return null;
        }

        values[0] = 0;
        string name = UniqueValueName($"{shapeName}_batch_dynamic");
        var tensor = new TensorProto { Name = name, DataType = (int)OnnxElementType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        Main.Initializer.Add(tensor);
        if (_model.IrVersion < 4)
        {
            // Before IR version 4 every initializer must also be declared as a graph input.
            var type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)OnnxElementType.Int64, Shape = new TensorShapeProto() } };
            type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = values.Length });
            Main.Input.Add(new ValueInfoProto { Name = name, Type = type });
        }

        return name;
    }

    private string UniqueValueName(string stem)
    {
        var used = new HashSet<string>(
            Main.Initializer.Select(t => t.Name).Concat(Main.Input.Select(i => i.Name)).Concat(Main.Node.SelectMany(n => n.Output)),
            StringComparer.Ordinal);
        string name = stem;
        for (int i = 2; used.Contains(name); i++)
        {
            name = $"{stem}_{i}";
        }

        return name;
    }
}
