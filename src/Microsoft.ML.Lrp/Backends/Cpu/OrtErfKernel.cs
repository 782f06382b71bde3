using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Erf through ONNX Runtime's own kernel (a one-node model, built once per process), so that an Erf rebuilt by a
/// promise is bit-identical to the one a capture session would return: a GELU gate replayed with any other erf
/// differs by an ulp, which moves MiniLM's attributions by ~1e-6 between capture policies. Falls back to
/// <see cref="FloatErf"/> where ONNX Runtime cannot build the session.
/// </summary>
internal static class OrtErfKernel
{
    private static readonly Lazy<InferenceSession?> Session = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary><c>y = erf(x)</c> element-wise; <paramref name="y"/> has the length of <paramref name="x"/>.</summary>
    public static void Compute(float[] x, float[] y)
    {
        var session = Session.Value;
        if (session is null || x.Length == 0)
        {
            FloatErf.Compute(x, y);
            return;
        }

        long[] shape = [x.Length];
        using var input = OrtValue.CreateTensorValueFromMemory(x, shape);
        using var output = OrtValue.CreateTensorValueFromMemory(y, shape);
        using var runOptions = new RunOptions();
        session.Run(runOptions, ["X"], [input], ["Y"], [output]);
    }

    private static InferenceSession? Create()
    {
        var graph = new GraphProto { Name = "lrp_erf" };
        var node = new NodeProto { OpType = "Erf", Name = "erf" };
        node.Input.Add("X");
        node.Output.Add("Y");
        graph.Node.Add(node);
        graph.Input.Add(Vector("X"));
        graph.Output.Add(Vector("Y"));
        var model = new ModelProto { IrVersion = 8, ProducerName = "Microsoft.ML.Lrp", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        try
        {
            using var options = new SessionOptions();
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            options.IntraOpNumThreads = Environment.ProcessorCount;
            return new InferenceSession(model.ToByteArray(), options);
        }
        catch (OnnxRuntimeException)
        {
            return null;
        }
    }

    private static ValueInfoProto Vector(string name)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "n" });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
