using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// Batch scoring of generated tabular rows through a trained ML.NET model plus the explanation column
/// (<c>ExplainWithLrp(trainedModel, …)</c>), against ML.NET's plain scoring of the same model: rows per second, and a
/// check that every row comes back once, in order.
/// </summary>
internal static class TabularBenchmark
{
    public static IEnumerable<string> Run(bool quick)
    {
        int rows = quick ? 10_000 : 100_000;
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Generate(2_000, 1));
        var test = ml.Data.LoadFromEnumerable(Generate(rows, 2));
        var features = ml.Transforms.Concatenate("Features", "F");
        var trainers = new (string Name, IEstimator<ITransformer> Trainer)[]
        {
            ("FastTree (100 trees, 20 leaves)", ml.BinaryClassification.Trainers.FastTree("Label")),
            ("SDCA logistic", ml.BinaryClassification.Trainers.SdcaLogisticRegression("Label")),
        };
        var lines = new List<string> { $"Tabular: {rows:N0} rows × 10 features through the trained model, binary classification (rows/s, median of 3):" };
        foreach (var (name, trainer) in trainers)
        {
            var model = features.Append(trainer).Fit(train);
            var lrp = ml.Transforms.ExplainWithLrp(model, train, options: new LrpOptions { Composite = LrpComposite.Epsilon, BatchSize = 1024 }).Fit(model.Transform(train));
            double plain = Median(() => Drain(model.Transform(test), "Score", rows));
            double explained = Median(() => Drain(lrp.Transform(model.Transform(test)), "Relevance", rows));
            lines.Add($"  {name}: ML.NET scoring {rows / plain:N0} rows/s; with the LRP column {rows / explained:N0} rows/s (ratio {explained / plain:F1}); {rows:N0} rows back in order");
        }

        return lines;
    }

    private static double Median(Func<double> run) => new[] { run(), run(), run() }.Order().ElementAt(1);

    /// <summary>Reads every row (the Id and the named column); throws when a row is lost or out of order.</summary>
    private static double Drain(IDataView data, string column, int expectedRows)
    {
        var watch = Stopwatch.StartNew();
        var id = data.Schema["Id"];
        var value = data.Schema[column];
        using var cursor = data.GetRowCursor([id, value]);
        var idGetter = cursor.GetGetter<int>(id);
        int n = 0;
        int current = 0;
        if (value.Type is VectorDataViewType)
        {
            var getter = cursor.GetGetter<VBuffer<float>>(value);
            VBuffer<float> buffer = default;
            while (cursor.MoveNext())
            {
                idGetter(ref current);
                getter(ref buffer);
                Check(current, n++);
            }
        }
        else
        {
            var getter = cursor.GetGetter<float>(value);
            float v = 0;
            while (cursor.MoveNext())
            {
                idGetter(ref current);
                getter(ref v);
                Check(current, n++);
            }
        }

        if (n != expectedRows)
        {
            throw new InvalidOperationException($"{n} rows came back; {expectedRows} went in.");
        }

        return watch.Elapsed.TotalSeconds;
    }

    private static void Check(int id, int position)
    {
        if (id != position)
        {
            throw new InvalidOperationException($"Row {position} came back as row {id}: rows were reordered or lost.");
        }
    }

    private static IEnumerable<TabularBenchmarkRow> Generate(int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var f = new float[10];
            for (int j = 0; j < f.Length; j++)
            {
                f[j] = (float)((random.NextDouble() * 2) - 1);
            }

            yield return new TabularBenchmarkRow { Id = i, F = f, Label = (2 * f[0]) - (3 * f[1]) + (0.3 * (random.NextDouble() - 0.5)) > 0 };
        }
    }
}
