namespace Microsoft.ML.Lrp.Tests.Llm;

/// <summary>The decoders' plans (prompt only and with a key/value cache) use only rules audited for device residency: on a device backend they keep the pass workspace.</summary>
[TestClass]
public sealed class DecoderResidencyTests
{
    [TestMethod]
    [DataRow("llama")]
    [DataRow("qwen")]
    [DataRow("phi")]
    public void Plan_Decoder_EveryRuleAuditedForResidency(string variant)
    {
        using var prompt = new LrpExplainer(TinyDecoder.Options(variant, cache: false, 6, past: 0, LrpComposite.AttnLrp));
        using var cached = new LrpExplainer(TinyDecoder.Options(variant, cache: true, 6, past: 4, LrpComposite.AttnLrp));
        Assert.IsEmpty(Microsoft.ML.Lrp.Engine.DeviceResidency.Unaudited(prompt.Plan), "prompt only");
        Assert.IsEmpty(Microsoft.ML.Lrp.Engine.DeviceResidency.Unaudited(cached.Plan), "with a cache");
    }
}
