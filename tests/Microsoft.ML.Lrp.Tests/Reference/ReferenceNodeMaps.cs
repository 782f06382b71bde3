using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>Chooses and builds the <see cref="LinearMap"/> of a node whose output is linear in its one activation input.</summary>
internal static class ReferenceNodeMaps
{
    /// <summary>Op types that are linear maps of one activation.</summary>
    public static readonly HashSet<string> LinearOpTypes = ["Gemm", "MatMul", "Conv", "ConvTranspose", "AveragePool", "GlobalAveragePool"];

    /// <summary>
    /// The node's linear map and the name of its activation input; for MatMul and Gemm the other operand must be
    /// constant (a MatMul of two activations throws).
    /// </summary>
    public static (LinearMap Map, string Input) Build(NodeProto node, Func<string, ReferenceTensor?> value, Func<string, bool> isActivation)
    {
        ReferenceTensor? Optional(int i) => node.Input.Count > i && node.Input[i].Length > 0 ? value(node.Input[i]) : null;
        var x = value(node.Input[0])!;
        switch (node.OpType)
        {
            case "Gemm":
            {
                bool activationIsA = isActivation(node.Input[0]) || !isActivation(node.Input[1]);
                if (activationIsA && isActivation(node.Input[1]))
                {
                    throw new NotSupportedException($"The reference does not support {ReferenceGraph.Describe(node)} with two activations.");
                }

                return (LinearMapBuilder.Gemm(node, x, value(node.Input[1])!, Optional(2), activationIsA), node.Input[activationIsA ? 0 : 1]);
            }

            case "MatMul":
            {
                bool constantOnRight = !isActivation(node.Input[1]);
                if (!constantOnRight && isActivation(node.Input[0]))
                {
                    throw new NotSupportedException($"The reference does not support {ReferenceGraph.Describe(node)} with two activations.");
                }

                return constantOnRight
                    ? (LinearMapBuilder.MatMul(x, value(node.Input[1])!, true), node.Input[0])
                    : (LinearMapBuilder.MatMul(value(node.Input[1])!, x, false), node.Input[1]);
            }

            case "Conv":
                return (ConvolutionMapBuilder.Conv(node, x, value(node.Input[1])!, Optional(2)), node.Input[0]);
            case "ConvTranspose":
                return (ConvolutionMapBuilder.ConvTranspose(node, x, value(node.Input[1])!, Optional(2)), node.Input[0]);
            case "AveragePool":
            case "GlobalAveragePool":
                return (LinearMapBuilder.AveragePool(node, x, node.OpType == "GlobalAveragePool"), node.Input[0]);
            default:
                throw new NotSupportedException($"{ReferenceGraph.Describe(node)} is not a linear map.");
        }
    }
}
