namespace Microsoft.ML.Lrp.Tests.Shapes;

/// <summary>
/// A decoder with <c>past_key_values.*</c> inputs (constant side inputs; an empty cache allowed; <c>present.*</c>
/// outputs ignored) and an encoder–decoder with separate lengths, explained from either side: with the lengths given
/// by <see cref="LrpOptions.InputRowShapes"/> against the same model with those lengths fixed in the file.
/// </summary>
[TestClass]
public sealed class CacheAndEncoderDecoderTests
{
    private const int Rows = 3;
    private const int Sequence = 3;
    private const int Past = 2;

    private static readonly long[] Ids = [1, 4, 7, 2, 2, 9, 0, 5, 3];

    [TestMethod]
    public void ExplainTokens_WithCache_EqualsTheModelWithFixedLengths()
    {
        var side = CacheSide(Past);
        var symbolic = new LrpOptions
        {
            ModelBytes = ShapeTestModels.CacheDecoder(),
            Composite = LrpComposite.AttnLrp,
            BatchSize = 2,
            InputRowShape = [Sequence],
            // The value's shape and the mask's length follow from the names the key's shape fixes, except the total.
            InputRowShapes = new Dictionary<string, int[]> { ["past_key_values.0.key"] = [1, Past, 4], ["attention_mask"] = [Sequence + Past] },
        };
        var fixedOptions = symbolic with { ModelBytes = ShapeTestModels.CacheDecoder(fixedShapes: (Sequence, Past)), InputRowShape = null, InputRowShapes = null };

        using var dynamicExplainer = new LrpExplainer(symbolic);
        using var fixedExplainer = new LrpExplainer(fixedOptions);
        var actual = dynamicExplainer.ExplainTokens(Ids, Rows, additionalInputs: side, conservationReport: true);
        var expected = fixedExplainer.ExplainTokens(Ids, Rows, additionalInputs: side);

        CollectionAssert.AreEqual(new[] { 1, Past, 4 }, dynamicExplainer.AdditionalInputs["past_key_values.0.value"].ToArray());
        AssertSame(expected, actual);
        AssertConserved(actual);
    }

    [TestMethod]
    public void ExplainTokens_EmptyCache_EqualsTheModelWithoutCache()
    {
        var symbolic = new LrpOptions
        {
            ModelBytes = ShapeTestModels.CacheDecoder(),
            Composite = LrpComposite.AttnLrp,
            BatchSize = 2,
            InputRowShape = [Sequence],
            InputRowShapes = new Dictionary<string, int[]> { ["past_key_values.0.key"] = [1, 0, 4], ["attention_mask"] = [Sequence] },
        };
        var noCache = symbolic with { ModelBytes = ShapeTestModels.CacheDecoder(withPast: false, fixedShapes: (Sequence, 0)), InputRowShape = null, InputRowShapes = null };

        using var dynamicExplainer = new LrpExplainer(symbolic);
        using var reference = new LrpExplainer(noCache);
        var actual = dynamicExplainer.ExplainTokens(Ids, Rows, additionalInputs: CacheSide(0), conservationReport: true);
        var expected = reference.ExplainTokens(Ids, Rows, additionalInputs: new Dictionary<string, Array> { ["attention_mask"] = Mask(Sequence) });

        Assert.AreEqual(0, dynamicExplainer.AdditionalInputs["past_key_values.0.value"].Aggregate(1, (a, b) => a * b));
        AssertSame(expected, actual);
        AssertConserved(actual);
    }

    [TestMethod]
    [DataRow("input_ids")]
    [DataRow("decoder_input_ids")]
    public void ExplainTokens_EncoderDecoder_EitherSide_EqualsTheModelWithFixedLengths(string explained)
    {
        const int encoder = 4, decoder = 3;
        var encoderIds = new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2 };
        var decoderIds = new long[] { 3, 1, 4, 1, 5, 9, 2, 6, 5 };
        bool encoderSide = explained == "input_ids";
        var symbolic = new LrpOptions
        {
            ModelBytes = ShapeTestModels.EncoderDecoder(),
            InputColumnName = explained,
            Composite = LrpComposite.AttnLrp,
            Target = LrpTarget.Class(7),
            BatchSize = 2,
            InputRowShape = [encoderSide ? encoder : decoder],
            InputRowShapes = new Dictionary<string, int[]> { [encoderSide ? "decoder_input_ids" : "input_ids"] = [encoderSide ? decoder : encoder] },
        };
        var fixedOptions = symbolic with { ModelBytes = ShapeTestModels.EncoderDecoder((encoder, decoder)), InputRowShape = null, InputRowShapes = null };
        var side = new Dictionary<string, Array> { [encoderSide ? "decoder_input_ids" : "input_ids"] = encoderSide ? decoderIds : encoderIds };
        var ids = encoderSide ? encoderIds : decoderIds;

        using var dynamicExplainer = new LrpExplainer(symbolic);
        using var fixedExplainer = new LrpExplainer(fixedOptions);
        var actual = dynamicExplainer.ExplainTokens(ids, Rows, additionalInputs: side, conservationReport: true);
        var expected = fixedExplainer.ExplainTokens(ids, Rows, additionalInputs: side);

        Assert.AreEqual(encoderSide ? encoder : decoder, dynamicExplainer.InputRowLength);
        Assert.AreEqual(decoder * 6, dynamicExplainer.OutputRowLength);
        AssertSame(expected, actual);
        AssertConserved(actual);
    }

    private static Dictionary<string, Array> CacheSide(int past)
    {
        var random = new Random(3);
        var key = Enumerable.Range(0, Rows * past * 4).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var value = Enumerable.Range(0, Rows * past * 4).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        return new Dictionary<string, Array>
        {
            ["past_key_values.0.key"] = key,
            ["past_key_values.0.value"] = value,
            ["attention_mask"] = Mask(Sequence + past),
        };
    }

    private static long[] Mask(int length)
    {
        var mask = Enumerable.Repeat(1L, Rows * length).ToArray();
        mask[(2 * length) - 1] = 0;
        return mask;
    }

    private static void AssertSame(LrpExplanation expected, LrpExplanation actual)
    {
        CollectionAssert.AreEqual(expected.Targets, actual.Targets, "targets");
        Assert.HasCount(expected.Relevance.Length, actual.Relevance);
        for (int i = 0; i < expected.Relevance.Length; i++)
        {
            Assert.AreEqual(expected.Relevance[i], actual.Relevance[i], 1e-5 * (1 + Math.Abs(expected.Relevance[i])), $"element {i}");
        }

        Assert.IsGreaterThan(0.0, actual.Relevance.Sum(v => (double)Math.Abs(v)));
    }

    private static void AssertConserved(LrpExplanation explanation)
    {
        for (int r = 0; r < explanation.Rows; r++)
        {
            Assert.AreEqual(0, explanation.ConservationError(r), 1e-4 * (1 + Math.Abs(explanation.SeedTotals[r])), $"row {r}");
        }

        foreach (var node in explanation.ConservationReport!.Nodes)
        {
            Assert.AreEqual(node.RelevanceIn, node.RelevanceOut + node.Absorbed, 1e-4 * (1 + Math.Abs(node.RelevanceIn)), node.NodeName);
        }
    }
}
