namespace Microsoft.ML.Lrp.Tests.Llm;

/// <summary>
/// The tiny decoders of <c>export-llama.py tiny</c> (vocabulary 96, hidden 32, 4 query heads, 2 layers, head size 8):
/// options and inputs for the prompt-only and the key/value-cache forms.
/// </summary>
internal static class TinyDecoder
{
    public const int Vocabulary = 96;
    public const int Layers = 2;
    public const int HeadSize = 8;

    public static string ModelPath(string variant, bool cache) =>
        Path.Combine(AppContext.BaseDirectory, "Llm", "models", $"{variant}{(cache ? "-kv" : "")}.onnx");

    /// <summary>Key/value heads of a variant (phi shares none).</summary>
    public static int KeyValueHeads(string variant) => variant == "phi" ? 4 : 2;

    public static LrpOptions Options(string variant, bool cache, int sequence, int past, LrpComposite composite, LrpTarget? target = null)
    {
        var shapes = new Dictionary<string, int[]> { ["attention_mask"] = [past + sequence] };
        if (cache)
        {
            for (int i = 0; i < Layers; i++)
            {
                shapes[$"past_key_values.{i}.key"] = [KeyValueHeads(variant), past, HeadSize];
                shapes[$"past_key_values.{i}.value"] = [KeyValueHeads(variant), past, HeadSize];
            }
        }

        return new LrpOptions
        {
            ModelFile = ModelPath(variant, cache),
            InputColumnName = "input_ids",
            OutputName = "logits",
            InputRowShape = [sequence],
            InputRowShapes = shapes,
            Composite = composite,
            Target = target ?? LrpTarget.NextToken(),
        };
    }

    /// <summary>Seeded token ids in [0, vocabulary).</summary>
    public static long[] Ids(int rows, int sequence, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows * sequence).Select(_ => (long)random.Next(Vocabulary)).ToArray();
    }

    /// <summary>The additional inputs: the mask (ones unless given) and, for the cache form, seeded past keys and values.</summary>
    public static Dictionary<string, Array> Inputs(string variant, bool cache, int rows, int sequence, int past, long[]? mask = null, int seed = 7)
    {
        var inputs = new Dictionary<string, Array> { ["attention_mask"] = mask ?? Enumerable.Repeat(1L, rows * (past + sequence)).ToArray() };
        if (cache)
        {
            var random = new Random(seed);
            int length = rows * KeyValueHeads(variant) * past * HeadSize;
            for (int i = 0; i < Layers; i++)
            {
                inputs[$"past_key_values.{i}.key"] = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
                inputs[$"past_key_values.{i}.value"] = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            }
        }

        return inputs;
    }
}
