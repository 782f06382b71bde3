namespace Microsoft.ML.Lrp.Tests.Api;

[TestClass]
public sealed class LrpRuleTests
{
    [TestMethod]
    public void AlphaBeta_AlphaMinusBetaNotOne_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => LrpRule.AlphaBeta(3f, 1f));

    [TestMethod]
    public void ZBox_LowAboveHigh_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => LrpRule.ZBox(1f, 0f));

    [TestMethod]
    public void Epsilon_WithoutValue_TakesOptionsValue()
        => Assert.IsTrue(float.IsNaN(LrpRule.Epsilon().EpsilonValue));
}
