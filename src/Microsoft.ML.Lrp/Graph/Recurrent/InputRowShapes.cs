using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>The per-row input shapes the options give, by model input name, for <see cref="StaticShapes"/>.</summary>
internal static class InputRowShapes
{
    /// <summary>
    /// <see cref="LrpOptions.InputRowShapes"/>, and <see cref="LrpOptions.InputRowShape"/> keyed by the explained
    /// input's name (the first input when <see cref="LrpOptions.InputColumnName"/> is null); null when the options give none.
    /// </summary>
    public static IReadOnlyDictionary<string, int[]>? From(OnnxModel model, LrpOptions options)
    {
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var (name, shape) in options.InputRowShapes ?? new Dictionary<string, int[]>())
        {
            shapes[name] = [.. shape];
        }

        string? input = options.InputColumnName ?? model.Graph.Inputs.FirstOrDefault()?.Name;
        if (options.InputRowShape is { } row && input is not null)
        {
            shapes[input] = [.. row];
        }

        return shapes.Count > 0 ? shapes : null;
    }
}
