using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.Tests.OnnxMl;

/// <summary>Data with a known ground truth: <c>s = 2·f0 − 3·f1 + noise</c> (noise N(0, 0.3²), independent of the features); regression target s, binary s > 0, three classes by s.</summary>
internal static class TabularData
{
    public static List<TabularRow> Rows(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<TabularRow>(count);
        for (int i = 0; i < count; i++)
        {
            var f = new float[10];
            for (int j = 0; j < f.Length; j++)
            {
                f[j] = (float)((random.NextDouble() * 2) - 1);
            }

            // Label noise independent of the features keeps the classes overlapping (logistic weights stay finite).
            double u = 1 - random.NextDouble();
            float noise = (float)(0.3 * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble()));
            float s = (2 * f[0]) - (3 * f[1]) + noise;
            rows.Add(new TabularRow { F = f, Target = s, Binary = s > 0, Class = s > 1 ? 2u : s > -1 ? 1u : 0u });
        }

        return rows;
    }

    /// <summary>Reads a float-vector column.</summary>
    public static float[][] Vectors(IDataView data, string column)
        => data.GetColumn<VBuffer<float>>(column).Select(v => v.DenseValues().ToArray()).ToArray();

    public static float[] Floats(IDataView data, string column) => data.GetColumn<float>(column).ToArray();
}
