using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet.TrainedModel;

/// <summary>Exports a trained ML.NET model with <c>ConvertToOnnx</c>; on failure, names the transform that blocks it.</summary>
internal static class OnnxExport
{
    public static byte[] Export(ITransformer model, IDataView sampleData)
    {
        var context = new MLContext();
        try
        {
            return ExportOnce(context, model, sampleData);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var blocking = FindBlocking(context, model, sampleData);
            string name = blocking is null ? "" : DisplayName(blocking.GetType());
            bool text = name.Contains("TextFeaturiz", StringComparison.Ordinal) || ex.Message.Contains("_TextNormalizer", StringComparison.Ordinal);
            string hint = text
                ? " ML.NET's FeaturizeText with default options cannot be exported to ONNX (a known ML.NET issue): featurize the text with transforms that export, or drop the text column from the explained model."
                : " Replace that transform with one that ML.NET can export to ONNX, or apply it before the data reaches the model.";
            string which = blocking is null ? "a transform of the model" : $"the transform {name}";
            throw new LrpException($"mlContext.Model.ConvertToOnnx could not export the trained model: {which} blocks the export ({ex.GetType().Name}: {ex.Message}).{hint}", ex);
        }
    }

    /// <summary><c>Outer.Inner</c> for nested types (ML.NET names many transformers just <c>Transformer</c>).</summary>
    private static string DisplayName(Type type) => type.DeclaringType is { } outer ? $"{outer.Name}.{type.Name}" : type.Name;

    private static byte[] ExportOnce(MLContext context, ITransformer model, IDataView data)
    {
        using var stream = new MemoryStream();
        context.Model.ConvertToOnnx(model, data, stream);
        return stream.ToArray();
    }

    /// <summary>The first transform whose prefix of the chain cannot be exported.</summary>
    private static ITransformer? FindBlocking(MLContext context, ITransformer model, IDataView data)
    {
        var parts = Flatten(model).ToArray();
        for (int k = 1; k <= parts.Length; k++)
        {
            try
            {
                ExportOnce(context, new TransformerChain<ITransformer>(parts[..k]), data);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                return parts[k - 1];
            }
        }

        return parts.Length == 1 ? parts[0] : null;
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer model)
    {
        if (model is IEnumerable<ITransformer> chain)
        {
            foreach (var part in chain)
            {
                foreach (var inner in Flatten(part))
                {
                    yield return inner;
                }
            }
        }
        else
        {
            yield return model;
        }
    }
}
