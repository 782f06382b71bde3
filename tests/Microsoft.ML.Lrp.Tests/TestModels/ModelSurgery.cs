using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Tests.TestModels;

/// <summary>Edits of test models.</summary>
internal static class ModelSurgery
{
    /// <summary>
    /// The network with every constant term set to zero: the biases of Conv, ConvTranspose and Gemm, the shift and
    /// mean of BatchNormalization, and constant operands of Add, Sub and Sum.
    /// </summary>
    public static TestNetwork WithoutBiases(TestNetwork network)
    {
        var model = ModelProto.Parser.ParseFrom(network.Model);
        var constants = new HashSet<string>();
        foreach (var node in model.Graph.Node)
        {
            switch (node.OpType)
            {
                case "Conv" or "ConvTranspose" or "Gemm" when node.Input.Count > 2:
                    constants.Add(node.Input[2]);
                    break;
                case "BatchNormalization":
                    constants.Add(node.Input[2]);
                    constants.Add(node.Input[3]);
                    break;
                case "Add" or "Sub" or "Sum":
                    constants.UnionWith(node.Input);
                    break;
            }
        }

        foreach (var tensor in model.Graph.Initializer.Where(t => constants.Contains(t.Name)))
        {
            int count = tensor.FloatData.Count;
            tensor.FloatData.Clear();
            tensor.FloatData.AddRange(new float[count]);
        }

        return network with { Name = network.Name + "_ZeroBias", Model = model.ToByteArray(), HasBiases = false };
    }
}
