using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp;

/// <summary>
/// Pooling steps appended to a transformer's ONNX graph, so that a sentence embedding becomes an output that
/// <see cref="LrpExplainer"/> can explain (for example its cosine similarity with a query, as
/// <see cref="LrpTarget.Direction(float[])"/> with the query's normalised embedding).
/// </summary>
/// <remarks>
/// The appended nodes are plain ONNX operations with rules of their own (RULES.md): the mask multiplication is Pass
/// (the mask carries no relevance, so padded tokens get exactly 0), the sum over tokens is Norm, the division by the
/// token count is Pass, and the L2 normalisation is a division by a reduction of the numerator (the numerator keeps
/// all relevance).
/// </remarks>
public static class LrpPooling
{
    /// <summary>
    /// Returns <paramref name="modelBytes"/> with an output <paramref name="outputName"/> <c>[batch, hidden]</c>: the mean of
    /// <paramref name="hiddenStateOutput"/> <c>[batch, sequence, hidden]</c> over the tokens whose
    /// <paramref name="attentionMaskInput"/> is 1 (as sentence-transformers pools), divided by its L2 norm when
    /// <paramref name="normalize"/> is true. The existing outputs stay.
    /// </summary>
    /// <exception cref="LrpException">The model is not ONNX, or lacks the named output or input.</exception>
    public static byte[] AddMeanPooling(byte[] modelBytes, string hiddenStateOutput = "last_hidden_state", string attentionMaskInput = "attention_mask", bool normalize = true, string outputName = "sentence_embedding")
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        ArgumentException.ThrowIfNullOrWhiteSpace(hiddenStateOutput);
        ArgumentException.ThrowIfNullOrWhiteSpace(attentionMaskInput);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputName);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(modelBytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new LrpException($"The bytes are not an ONNX model: {ex.Message}", ex);
        }

        var graph = model.Graph ?? throw new LrpException("The ONNX model has no graph.");
        if (graph.Output.All(o => o.Name != hiddenStateOutput) && graph.Node.All(n => !n.Output.Contains(hiddenStateOutput)))
        {
            throw new LrpException($"The model has no value '{hiddenStateOutput}' to pool. Its outputs: {string.Join(", ", graph.Output.Select(o => o.Name))}.");
        }

        if (graph.Input.All(i => i.Name != attentionMaskInput))
        {
            throw new LrpException($"The model has no input '{attentionMaskInput}' (the attention mask). Its inputs: {string.Join(", ", graph.Input.Select(i => i.Name))}.");
        }

        long opset = model.OpsetImport.Where(o => o.Domain.Length == 0).Select(o => o.Version).DefaultIfEmpty(13).Max();
        var nodes = new PoolingNodes(graph, opset, outputName);
        string mask = nodes.Add("Cast", [attentionMaskInput], ("to", (long)TensorProto.Types.DataType.Float));
        string mask3 = nodes.Unsqueeze(mask, -1);
        string masked = nodes.Add("Mul", [hiddenStateOutput, mask3]);
        string summed = nodes.ReduceSum(masked, 1);
        string count = nodes.ReduceSum(mask3, 1);
        string safeCount = nodes.Add("Max", [count, nodes.Scalar(1e-9f)]);
        string mean = nodes.Add("Div", [summed, safeCount]);
        string result = mean;
        if (normalize)
        {
            string squared = nodes.Add("Pow", [mean, nodes.Scalar(2f)]);
            string norm = nodes.Add("Sqrt", [nodes.Add("Add", [nodes.ReduceSum(squared, -1, keepDims: true), nodes.Scalar(1e-12f)])]);
            result = nodes.Add("Div", [mean, norm]);
        }

        nodes.Rename(result, outputName);
        var output = new ValueInfoProto { Name = outputName, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } };
        graph.Output.Add(output);
        return model.ToByteArray();
    }
}
