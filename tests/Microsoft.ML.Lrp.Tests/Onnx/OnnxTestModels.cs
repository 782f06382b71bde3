using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Tests.Onnx;

/// <summary>Builds small ONNX models with the proto classes, and runs models in ONNX Runtime.</summary>
internal static class OnnxTestModels
{
    public static ModelProto NewModel(int opset = 13)
    {
        var model = new ModelProto { IrVersion = 7, ProducerName = "lrp-tests", Graph = new GraphProto { Name = "g" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    public static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)OnnxElementType.Float, Shape = shape } },
        };
    }

    public static NodeProto Node(string opType, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType };
        if (name.Length > 0)
        {
            node.Name = name;
        }

        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)OnnxElementType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return t;
    }

    public static TensorProto Int64Tensor(string name, long[] dims, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)OnnxElementType.Int64 };
        t.Dims.AddRange(dims);
        t.Int64Data.AddRange(values);
        return t;
    }

    /// <summary>Deterministic pseudo-random values in [-1, 1).</summary>
    public static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    public static string NewFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "lrp-onnx-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    public static string Save(ModelProto model, string folder, string fileName = "model.onnx")
    {
        string path = Path.Combine(folder, fileName);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    /// <summary>Runs <paramref name="modelBytes"/> on CPU with one float input and returns the named outputs.</summary>
    public static float[][] Run(byte[] modelBytes, string inputName, float[] input, long[] shape, params string[] outputNames)
    {
        using var session = new InferenceSession(modelBytes);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, [inputName], [value], outputNames);
        return [.. results.Select(r => r.GetTensorDataAsSpan<float>().ToArray())];
    }

    /// <summary>The shapes ONNX Runtime returns for the named outputs.</summary>
    public static long[][] RunShapes(byte[] modelBytes, string inputName, float[] input, long[] shape, params string[] outputNames)
    {
        using var session = new InferenceSession(modelBytes);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, [inputName], [value], outputNames);
        return [.. results.Select(r => r.GetTensorTypeAndShape().Shape)];
    }
}
