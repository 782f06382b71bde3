using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Tests.Shapes;

/// <summary>
/// Shapes that the options leave open or give wrongly fail with an <see cref="LrpException"/> naming the input, the
/// dimension and the option; the constructor's shape probe feeds integer inputs values valid for any lookup (a
/// one-row token-type table) and never lets an ONNX Runtime exception out.
/// </summary>
[TestClass]
public sealed class InputShapeErrorAndProbeTests
{
    [TestMethod]
    public void Constructor_CacheLengthNotGiven_ThrowsNamingInputDimensionAndOption()
    {
        var options = new LrpOptions { ModelBytes = ShapeTestModels.CacheDecoder(), InputRowShape = [3] };

        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(options));
        StringAssert.Contains(ex.Message, "'past_key_values.0.key'");
        StringAssert.Contains(ex.Message, "'past_sequence'");
        StringAssert.Contains(ex.Message, "LrpOptions.InputRowShapes[\"past_key_values.0.key\"]");
    }

    [TestMethod]
    public void Constructor_ExplainedLengthNotGiven_ThrowsNamingInputRowShape()
    {
        var options = new LrpOptions { ModelBytes = ShapeTestModels.EncoderDecoder(), InputRowShapes = new Dictionary<string, int[]> { ["decoder_input_ids"] = [2] } };

        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(options));
        StringAssert.Contains(ex.Message, "'input_ids'");
        StringAssert.Contains(ex.Message, "'encoder_sequence'");
        StringAssert.Contains(ex.Message, "LrpOptions.InputRowShape");
    }

    [TestMethod]
    public void Constructor_UnknownInputName_ThrowsListingTheInputs()
    {
        var options = new LrpOptions
        {
            ModelBytes = ShapeTestModels.EncoderDecoder(),
            InputRowShape = [4],
            InputRowShapes = new Dictionary<string, int[]> { ["decoder_ids"] = [2] },
        };

        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(options));
        StringAssert.Contains(ex.Message, "'decoder_ids'");
        StringAssert.Contains(ex.Message, "decoder_input_ids");
    }

    [TestMethod]
    public void Constructor_ShapeOfWrongRank_ThrowsNamingTheInputAndRanks()
    {
        var options = new LrpOptions
        {
            ModelBytes = ShapeTestModels.CacheDecoder(),
            InputRowShape = [3],
            InputRowShapes = new Dictionary<string, int[]> { ["past_key_values.0.key"] = [2, 4], ["attention_mask"] = [5] },
        };

        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(options));
        StringAssert.Contains(ex.Message, "LrpOptions.InputRowShapes[\"past_key_values.0.key\"] [2, 4]");
        StringAssert.Contains(ex.Message, "give 3 (one row, without the batch axis) or 4");
    }

    [TestMethod]
    public void Constructor_SharedNameGivenTwoValues_ThrowsNamingBothInputs()
    {
        var options = new LrpOptions
        {
            ModelBytes = ShapeTestModels.CacheDecoder(),
            InputRowShape = [3],
            InputRowShapes = new Dictionary<string, int[]>
            {
                ["past_key_values.0.key"] = [1, 2, 4],
                ["past_key_values.0.value"] = [1, 3, 4],
                ["attention_mask"] = [5],
            },
        };

        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(options));
        StringAssert.Contains(ex.Message, "'past_sequence'");
        StringAssert.Contains(ex.Message, "past_key_values.0.key");
        StringAssert.Contains(ex.Message, "past_key_values.0.value");
    }

    [TestMethod]
    public void Constructor_ZeroLengthExplainedInput_Throws()
    {
        var options = new LrpOptions { ModelBytes = ShapeTestModels.EncoderDecoder(), InputRowShape = [0], InputRowShapes = new Dictionary<string, int[]> { ["decoder_input_ids"] = [2] } };

        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(options));
        StringAssert.Contains(ex.Message, "'input_ids'");
        StringAssert.Contains(ex.Message, "positive");
    }

    [TestMethod]
    public void Constructor_ExplainedShapeInInputRowShapes_EqualsInputRowShape()
    {
        var side = new Dictionary<string, int[]> { ["decoder_input_ids"] = [2] };
        var viaRowShape = new LrpOptions { ModelBytes = ShapeTestModels.EncoderDecoder(), InputRowShape = [5], InputRowShapes = side };
        var viaShapes = viaRowShape with { InputRowShape = null, InputRowShapes = new Dictionary<string, int[]>(side) { ["input_ids"] = [5] } };
        long[] ids = [1, 2, 3, 4, 5];
        var feeds = new Dictionary<string, Array> { ["decoder_input_ids"] = new long[] { 6, 7 } };

        using var a = new LrpExplainer(viaRowShape);
        using var b = new LrpExplainer(viaShapes);

        CollectionAssert.AreEqual(a.InputShape.ToArray(), b.InputShape.ToArray());
        CollectionAssert.AreEqual(a.ExplainTokens(ids, 1, additionalInputs: feeds).Relevance, b.ExplainTokens(ids, 1, additionalInputs: feeds).Relevance);
    }

    [TestMethod]
    public void Constructor_InputRowShapeAndInputRowShapesDisagree_ThrowsNamingBoth()
    {
        var options = new LrpOptions
        {
            ModelBytes = ShapeTestModels.EncoderDecoder(),
            InputRowShape = [5],
            InputRowShapes = new Dictionary<string, int[]> { ["input_ids"] = [4], ["decoder_input_ids"] = [2] },
        };

        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(options));
        StringAssert.Contains(ex.Message, "LrpOptions.InputRowShape [5]");
        StringAssert.Contains(ex.Message, "LrpOptions.InputRowShapes[\"input_ids\"] [4]");
    }

    [TestMethod]
    public void Explain_WrongCacheLength_ThrowsNamingTheInputAndItsShape()
    {
        var options = new LrpOptions
        {
            ModelBytes = ShapeTestModels.CacheDecoder(),
            InputRowShape = [3],
            InputRowShapes = new Dictionary<string, int[]> { ["past_key_values.0.key"] = [1, 2, 4], ["attention_mask"] = [5] },
        };
        using var explainer = new LrpExplainer(options);
        var side = new Dictionary<string, Array>
        {
            ["past_key_values.0.key"] = new float[8],
            ["past_key_values.0.value"] = new float[7],
            ["attention_mask"] = new long[5],
        };

        var ex = Assert.ThrowsExactly<LrpException>(() => explainer.ExplainTokens([1, 2, 3], 1, additionalInputs: side));
        StringAssert.Contains(ex.Message, "'past_key_values.0.value'");
        StringAssert.Contains(ex.Message, "[1, 2, 4] per row");
    }

    [TestMethod]
    public void Constructor_OneRowTokenTypeTable_ProbesWithValidIdsAndExplains()
    {
        var options = new LrpOptions { ModelBytes = ShapeTestModels.SingleTokenType("sequence"), InputRowShape = [4], Composite = LrpComposite.Epsilon, Target = LrpTarget.Class(0) };
        using var explainer = new LrpExplainer(options);
        using var fixedExplainer = new LrpExplainer(options with { ModelBytes = ShapeTestModels.SingleTokenType(4), InputRowShape = null });
        long[] ids = [1, 2, 3, 4, 5, 6, 7, 8];
        var side = new Dictionary<string, Array> { ["token_type_ids"] = new long[8], ["attention_mask"] = new long[] { 1, 1, 1, 1, 1, 1, 1, 0 } };

        var actual = explainer.ExplainTokens(ids, 2, additionalInputs: side);
        var expected = fixedExplainer.ExplainTokens(ids, 2, additionalInputs: side);

        CollectionAssert.AreEqual(expected.Relevance, actual.Relevance);
        Assert.AreEqual(0f, actual.Relevance[7]);
        Assert.AreEqual(0, actual.ConservationError(0), 1e-4);
        Assert.AreNotEqual(0f, actual.Relevance[0]);
    }

    [TestMethod]
    public void Constructor_ProbeFailsInOnnxRuntime_ThrowsLrpExceptionNamingModelAndInputs()
    {
        // The Reshape needs 6 elements per row; a row of 4 makes ONNX Runtime fail during the shape probe.
        var model = new OnnxModelBuilder(seed: 2)
            .Input("x", "batch", "length")
            .Initializer("shape", [-1L, 6L], 2)
            .RandomWeight("W", 6, 2)
            .Node("Reshape", ["x", "shape"], ["r"], "to_six")
            .Node("MatMul", ["r", "W"], ["y"], "head")
            .Output("y", "batch", 2)
            .Build();
        var options = new LrpOptions { ModelBytes = model, InputRowShape = [4] };

        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(options));
        Assert.IsInstanceOfType<OnnxRuntimeException>(ex.InnerException);
        StringAssert.Contains(ex.Message, "the model bytes");
        StringAssert.Contains(ex.Message, "'x' [batch, 4]");
        StringAssert.Contains(ex.Message, "InputRowShape");
    }
}
