// ONNX Runtime resolves external data of a model given as bytes against the working directory. The forward pass must
// read the same file the library validated in the model's folder, never a same-named file of the working directory.
// These tests change the process's working directory, so they run alone.
using System.Runtime.InteropServices;
using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Onnx.OnnxTestModels;

namespace Microsoft.ML.Lrp.Tests.Trust;

[TestClass]
[DoNotParallelize]
public sealed class ExternalDataWorkingDirectoryTests
{
    private const int In = 4;
    private const int Out = 3;
    private const int Target = 1;
    private static readonly float[] Input = [0.5f, -1.25f, 2f, 0.75f];

    [TestMethod]
    [DataRow(false, DisplayName = "inlined")]
    [DataRow(true, DisplayName = "kept external, resolved in the model's folder")]
    public void Explain_DecoyOfTheSameNameInTheWorkingDirectory_OutputAndRelevanceComeFromTheModelFolder(bool keepExternal)
    {
        float[] weights = Values(In * Out, seed: 5);
        float[] decoy = weights.Select(w => (w * 3) + 1).ToArray();
        string folder = NewFolder();
        string elsewhere = NewFolder();
        File.WriteAllBytes(Path.Combine(folder, "w.bin"), Bytes(weights));
        File.WriteAllBytes(Path.Combine(elsewhere, "w.bin"), Bytes(decoy));
        string modelPath = Save(ExternalMatMul("w.bin"), folder);

        var result = ExplainFrom(elsewhere, modelPath, keepExternal);

        AssertMatchesWeights(weights, result);
    }

    [TestMethod]
    [DataRow(false, DisplayName = "inlined")]
    [DataRow(true, DisplayName = "kept external, resolved in the model's folder")]
    public void Explain_WorkingDirectoryElsewhere_ValidExternalDataModelRuns(bool keepExternal)
    {
        float[] weights = Values(In * Out, seed: 6);
        string folder = NewFolder();
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        File.WriteAllBytes(Path.Combine(folder, "data", "w.bin"), Bytes(weights));
        string modelPath = Save(ExternalMatMul("data/w.bin"), folder);

        var result = ExplainFrom(NewFolder(), modelPath, keepExternal);

        AssertMatchesWeights(weights, result);
    }

    /// <summary>Output z = x·W; Epsilon relevance from the score seed: R_i = x_i W[i,t] z_t / stab(z_t) (double precision).</summary>
    private static void AssertMatchesWeights(float[] weights, LrpExplanation result)
    {
        var z = new double[Out];
        for (int j = 0; j < Out; j++)
        {
            for (int i = 0; i < In; i++)
            {
                z[j] += (double)Input[i] * weights[(i * Out) + j];
            }

            Assert.AreEqual(z[j], result.Output[j], 1e-5);
        }

        double stab = z[Target] + (1e-6 * (z[Target] >= 0 ? 1 : -1));
        for (int i = 0; i < In; i++)
        {
            double expected = Input[i] * weights[(i * Out) + Target] * z[Target] / stab;
            Assert.AreEqual(expected, result.Relevance[i], 1e-5);
        }
    }

    private static LrpExplanation ExplainFrom(string workingDirectory, string modelPath, bool keepExternal)
    {
        string before = Directory.GetCurrentDirectory();
        long limit = OrtModel.InlineLimitBytes;
        try
        {
            Directory.SetCurrentDirectory(workingDirectory);
            OrtModel.InlineLimitBytes = keepExternal ? -1 : limit;
            using var explainer = new LrpExplainer(new LrpOptions { ModelFile = modelPath, Composite = LrpComposite.Epsilon, Target = LrpTarget.Class(Target) });
            return explainer.Explain(Input, 1);
        }
        finally
        {
            OrtModel.InlineLimitBytes = limit;
            Directory.SetCurrentDirectory(before);
        }
    }

    /// <summary>y[N,3] = MatMul(x[N,4], W[4,3]) with W in <paramref name="location"/>.</summary>
    private static ModelProto ExternalMatMul(string location)
    {
        ModelProto model = NewModel();
        var x = Value("x", 1, In);
        x.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
        model.Graph.Input.Add(x);
        var w = new TensorProto { Name = "W", DataType = (int)OnnxElementType.Float, DataLocation = TensorProto.Types.DataLocation.External };
        w.Dims.AddRange([In, Out]);
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = (In * Out * sizeof(float)).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        model.Graph.Initializer.Add(w);
        model.Graph.Node.Add(Node("MatMul", "dense", ["x", "W"], ["y"]));
        var y = Value("y", 1, Out);
        y.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
        model.Graph.Output.Add(y);
        return model;
    }

    private static byte[] Bytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
