using Microsoft.ML.Lrp.Backends.Ilgpu;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Quantized;

/// <summary>MatMul with a constant operand of rank 3 or more: a dense layer per batch slice, numpy broadcasting.</summary>
[TestClass]
public sealed class BatchedMatMulTests
{
    private const int S = 2, M = 3, K = 4, N = 5;

    /// <summary>
    /// Epsilon written from the formula in double precision: <c>z[n,s,m,j] = Σ_k x[n,a(s),m,k] B[s,k,j]</c>,
    /// <c>R_x[n,a,m,k] = x[n,a,m,k] · Σ_{s→a} Σ_j B[s,k,j] R[n,s,m,j] / stab(z)</c> with <c>R = z ⊙ d</c> (a direction seed).
    /// </summary>
    private static double[] NaiveEpsilon(float[] x, float[] b, float[] d, int rows, int xSlices)
    {
        var r = new double[x.Length];
        for (int n = 0; n < rows; n++)
        {
            for (int s = 0; s < S; s++)
            {
                int a = xSlices == 1 ? 0 : s;
                for (int m = 0; m < M; m++)
                {
                    for (int j = 0; j < N; j++)
                    {
                        double z = 0;
                        for (int k = 0; k < K; k++)
                        {
                            z += (double)x[((((n * xSlices) + a) * M) + m) * K + k] * b[(((s * K) + k) * N) + j];
                        }

                        double rel = z * d[(((s * M) + m) * N) + j];
                        double q = rel / (z + (z >= 0 ? 1e-6 : -1e-6));
                        for (int k = 0; k < K; k++)
                        {
                            int xi = ((((n * xSlices) + a) * M) + m) * K + k;
                            r[xi] += x[xi] * b[(((s * K) + k) * N) + j] * q;
                        }
                    }
                }
            }
        }

        return r;
    }

    [TestMethod]
    [DataRow(2, false)]
    [DataRow(1, false)]
    [DataRow(1, true)]
    public void MatMul_Rank3ConstantWeights_EqualsNaiveEpsilon(int xSlices, bool ilgpuCpuAccelerator)
    {
        var random = new SeededWeights(3);
        float[] b = random.Uniform(S * K * N, -1f, 1f);
        float[] d = random.Uniform(S * M * N, -1f, 1f);
        byte[] model = new OnnxModelBuilder(1).Input("x", "N", xSlices, M, K).Output("y")
            .Initializer("b", b, S, K, N)
            .Node("MatMul", ["x", "b"], ["y"], "batched_dense")
            .Build();
        float[] x = random.Uniform(2 * xSlices * M * K, -1f, 1f);
        var options = new LrpOptions { ModelBytes = model, Composite = LrpComposite.Epsilon, Target = LrpTarget.Direction(d) };
        using var explainer = ilgpuCpuAccelerator ? new LrpExplainer(options, () => new IlgpuBackend(IlgpuDevice.CpuEmulator())) : new LrpExplainer(options);
        var result = explainer.Explain(x, 2, conservationReport: true);
        double[] expected = NaiveEpsilon(x, b, d, 2, xSlices);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.AreEqual(expected[i], result.Relevance[i], 1e-4 * (1 + Math.Abs(expected[i])), $"element {i}");
        }

        Assert.IsLessThanOrEqualTo(1e-4, result.ConservationReport!.MaxRelativeError);
        Assert.IsGreaterThan(0.0, expected.Max(Math.Abs));
    }
}
