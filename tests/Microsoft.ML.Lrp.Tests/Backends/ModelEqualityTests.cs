using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// Whole-model equality between the CPU backend and another backend (chosen by the subclass): every network of
/// <see cref="TestNetworks.All"/> explained under composites that reach every rule body (Epsilon, Gamma masks,
/// ZBox, Flat, AlphaBeta); relevance must agree within 1e-5 relative to the largest relevance value of the batch.
/// </summary>
public abstract class ModelEqualityTests
{
    private static readonly LrpComposite[] Composites = [LrpComposite.EpsilonGammaBox, LrpComposite.EpsilonAlpha2Beta1Flat];

    public static IEnumerable<object[]> Networks() => TestNetworks.All().Select(n => new object[] { n.Name });

    /// <summary>Creates the backend compared with the CPU backend; may end the test as inconclusive.</summary>
    private protected abstract Func<IRelevanceBackend> BackendFactory();

    [TestMethod]
    [DynamicData(nameof(Networks))]
    public void Explain_Network_MatchesCpuBackend(string networkName)
    {
        var factory = BackendFactory();
        var network = TestNetworks.ByName(networkName);
        var input = network.RandomInput(11).Select(v => (float)v).ToArray();
        int rows = network.InputShape[0];
        double worst = 0;
        foreach (var composite in Composites)
        {
            var options = new LrpOptions
            {
                ModelBytes = network.Model,
                Composite = composite,
                InputLowerBound = [-1f],
                InputUpperBound = [1f],
                BatchSize = rows,
            };
            using var cpu = new LrpExplainer(options, () => new CpuBackend());
            using var other = new LrpExplainer(options, factory);
            var expected = cpu.Explain(input, rows).Relevance;
            var actual = other.Explain(input, rows).Relevance;
            Assert.HasCount(expected.Length, actual);
            double scale = Math.Max(expected.Max(Math.Abs), 1e-30);
            for (int i = 0; i < expected.Length; i++)
            {
                double error = Math.Abs(expected[i] - actual[i]) / scale;
                worst = Math.Max(worst, double.IsNaN(error) ? double.PositiveInfinity : error);
            }
        }

        Assert.AreEqual(0.0, worst, 1e-5, networkName);
    }
}
