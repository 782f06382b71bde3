using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Lrp.Coverage;

/// <summary>
/// Runs a corpus model as exported in plain ONNX Runtime with the sidecar's inputs, to tell a model that does not
/// run at all (a corpus problem) from one that the explainer fails on.
/// </summary>
internal static class OrtCheck
{
    /// <summary>Null when the model runs; otherwise the first line of ONNX Runtime's error.</summary>
    public static string? Run(CorpusEntry entry)
    {
        try
        {
            using var session = new InferenceSession(entry.ModelPath);
            var inputs = new List<NamedOnnxValue>();
            foreach (var input in entry.Inputs)
            {
                int rows = entry.Rows;
                if (input.BatchAxis is int axis && session.InputMetadata.TryGetValue(input.Name, out var meta)
                    && axis < meta.Dimensions.Length && meta.Dimensions[axis] == 1)
                {
                    rows = 1; // the batch is fixed at one in the model
                }

                var shape = input.RowShape.ToList();
                if (input.BatchAxis is int batchAxis)
                {
                    shape.Insert(batchAxis, rows);
                }

                float[] values = InputData.Floats(entry.Name, input, rows);
                int[] dims = [.. shape];
                inputs.Add(input.ElementType switch
                {
                    "int64" => NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<long>(values.Select(v => (long)v).ToArray(), dims)),
                    "int32" => NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<int>(values.Select(v => (int)v).ToArray(), dims)),
                    _ => NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<float>(values, dims)),
                });
            }

            using var results = session.Run(inputs, [entry.Output]);
            return null;
        }
        catch (Exception e)
        {
            return e.Message.Split('\n', 2)[0].Trim();
        }
    }
}
