using System.Reflection;
using Microsoft.ML.Transforms.Onnx;

namespace Microsoft.ML.Lrp.MLNet.ApplyOnnx;

/// <summary>
/// Finds the <see cref="OnnxTransformer"/> of a fitted <c>ApplyOnnxModel</c> pipeline and reads what it was built
/// with. ML.NET keeps the model, the columns and the options in internal members: the model bytes, the columns and
/// the shape dictionary come from the transformer's own public save (<c>mlContext.Model.Save</c>, read by
/// <see cref="OnnxTransformerStream"/>); the GPU settings, which that save does not hold, from the transformer's
/// options object, found by one guarded reflection lookup with a clear error if a future ML.NET renames it.
/// </summary>
internal static class OnnxTransformerSource
{
    private static readonly FieldInfo? OptionsField = typeof(OnnxTransformer).GetField("_options", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>
    /// The <see cref="OnnxTransformer"/> in <paramref name="model"/>: the model itself, or the one transformer of that
    /// type in a (nested) <c>TransformerChain</c>.
    /// </summary>
    public static OnnxTransformer Find(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var found = new List<OnnxTransformer>();
        Collect(model, found);
        return found.Count switch
        {
            1 => found[0],
            0 => throw new LrpException($"The model ({model.GetType().Name}) holds no OnnxTransformer (the result of fitting mlContext.Transforms.ApplyOnnxModel); pass a fitted ApplyOnnxModel pipeline, or name the model in LrpOptions.ModelFile."),
            _ => throw new LrpException($"The model holds {found.Count} OnnxTransformers; pass the one to explain (for example chain.LastTransformer, or an element of the chain)."),
        };
    }

    /// <summary>Reads the model bytes, the columns, the shape dictionary and the GPU settings of <paramref name="transformer"/>.</summary>
    public static OnnxTransformerSettings Read(OnnxTransformer transformer)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        using var saved = new MemoryStream();
        new MLContext().Model.Save(transformer, inputSchema: null, saved);
        saved.Position = 0;
        var (model, inputs, outputs, shapes) = OnnxTransformerStream.Read(saved);
        var (gpu, fallback) = GpuSettings(transformer);
        return new OnnxTransformerSettings(model, inputs, outputs, shapes, gpu, fallback);
    }

    private static (int? GpuDeviceId, bool FallbackToCpu) GpuSettings(OnnxTransformer transformer)
    {
        object? options = OptionsField?.GetValue(transformer);
        var type = options?.GetType();
        var gpu = type?.GetField("GpuDeviceId", BindingFlags.Instance | BindingFlags.Public);
        var fallback = type?.GetField("FallbackToCpu", BindingFlags.Instance | BindingFlags.Public);
        if (options is null || gpu?.FieldType != typeof(int?) || fallback?.FieldType != typeof(bool))
        {
            throw new LrpException(
                $"This version of ML.NET ({typeof(OnnxTransformer).Assembly.GetName().Version}) does not keep an OnnxTransformer's GPU settings where this library reads them "
                + "(a private options object with GpuDeviceId and FallbackToCpu). Explain the model with ExplainWithLrp(LrpOptions), naming its file and LrpOptions.GpuDeviceId.");
        }

        return ((int?)gpu.GetValue(options), (bool)fallback.GetValue(options)!);
    }

    private static void Collect(ITransformer model, List<OnnxTransformer> found)
    {
        if (model is OnnxTransformer onnx)
        {
            found.Add(onnx);
        }
        else if (model is IEnumerable<ITransformer> chain)
        {
            foreach (var inner in chain)
            {
                Collect(inner, found);
            }
        }
    }
}
