using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>The plain ONNX Runtime forward pass on a model, with default session options (as the engine uses).</summary>
internal sealed class OrtBaseline : IDisposable
{
    private readonly InferenceSession session;
    private readonly string inputName;
    private readonly string outputName;
    private readonly long[] rowShape;

    public OrtBaseline(byte[] model, string inputName, string outputName, IReadOnlyList<int> rowShape)
    {
        session = new InferenceSession(model);
        this.inputName = inputName;
        this.outputName = outputName;
        this.rowShape = rowShape.Select(d => (long)d).ToArray();
    }

    /// <summary>One forward pass over <paramref name="rows"/> rows (the model must accept that batch size).</summary>
    public void Run(float[] input, int rows)
    {
        long[] shape = [rows, .. rowShape];
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, [inputName], [value], [outputName]);
    }

    /// <summary>Rewrites a model whose batch dimension is fixed at 1 to a fixed <paramref name="batch"/> on the named input and output.</summary>
    public static byte[] WithBatch(byte[] model, string inputName, string outputName, int batch)
    {
        ModelProto proto = ModelProto.Parser.ParseFrom(model);
        foreach (ValueInfoProto value in proto.Graph.Input.Concat(proto.Graph.Output))
        {
            if (value.Name == inputName || value.Name == outputName)
            {
                value.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimValue = batch };
            }
        }

        proto.Graph.ValueInfo.Clear();
        return proto.ToByteArray();
    }

    public void Dispose() => session.Dispose();
}
