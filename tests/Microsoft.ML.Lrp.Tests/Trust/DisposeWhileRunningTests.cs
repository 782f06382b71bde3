// Disposing while another thread explains must wait for the running call (ONNX Runtime's session would otherwise
// be freed under it and the process would die in native code); any call after Dispose throws ObjectDisposedException.
using Microsoft.ML.Data;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Trust;

[TestClass]
public sealed class DisposeWhileRunningTests
{
    private const int Features = 10;
    private const int Rounds = 12;
    private const int Rows = 512;

    [TestMethod]
    public void Dispose_WhileOtherThreadsExplain_WaitsForThemAndLaterCallsThrowObjectDisposed()
    {
        var options = new LrpOptions { ModelBytes = TestNetworks.Mlp().Model, Composite = LrpComposite.Epsilon, BatchSize = 16 };
        float[] input = Inputs(Rows);
        for (int round = 0; round < Rounds; round++)
        {
            var explainer = new LrpExplainer(options);
            using var inside = new CountdownEvent(2);
            var workers = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(() => ExplainUntilDisposed(explainer, input, inside), TaskCreationOptions.LongRunning)).ToArray();
            inside.Wait();
            explainer.Dispose();

            // Every call that ran to its end returned a full, finite result; the next one was refused.
            foreach (var worker in workers)
            {
                Assert.IsTrue(worker.Wait(TimeSpan.FromMinutes(1)), "A worker did not stop after Dispose.");
                Assert.IsGreaterThanOrEqualTo(1, worker.Result);
            }

            Assert.ThrowsExactly<ObjectDisposedException>(() => explainer.Explain(input, Rows));
            explainer.Dispose();
        }
    }

    [TestMethod]
    public void TransformerDispose_WhileACursorIsRead_WaitsAndTheCursorThenThrowsObjectDisposed()
    {
        var mlContext = new MLContext(seed: 1);
        var options = new LrpOptions { ModelBytes = TestNetworks.Mlp().Model, Composite = LrpComposite.Epsilon, BatchSize = 8 };
        float[] inputs = Inputs(Rows);
        var data = mlContext.Data.LoadFromEnumerable(
            Enumerable.Range(0, Rows).Select(r => new VectorRow { Input = inputs.AsSpan(r * Features, Features).ToArray() }).ToList(),
            Definition());
        for (int round = 0; round < Rounds; round++)
        {
            var transformer = (LrpTransformer)mlContext.Transforms.ExplainWithLrp(options).Fit(data);
            var view = transformer.Transform(data);
            using var inside = new ManualResetEventSlim();
            var reader = Task.Factory.StartNew(
                () =>
                {
                    int read = 0;
                    try
                    {
                        while (true)
                        {
                            using var cursor = view.GetRowCursor([view.Schema["Relevance"]]);
                            var getter = cursor.GetGetter<VBuffer<float>>(view.Schema["Relevance"]);
                            VBuffer<float> value = default;
                            while (cursor.MoveNext())
                            {
                                getter(ref value);
                                Assert.IsTrue(value.DenseValues().All(float.IsFinite));
                                read++;
                                inside.Set();
                            }
                        }
                    }
                    catch (ObjectDisposedException)
                    {
                        return read;
                    }
                },
                TaskCreationOptions.LongRunning);
            inside.Wait();
            transformer.Dispose();

            Assert.IsTrue(reader.Wait(TimeSpan.FromMinutes(1)), "The reader did not stop after Dispose.");
            Assert.IsGreaterThanOrEqualTo(1, reader.Result);
        }
    }

    /// <summary>Explains until the explainer refuses; returns how many calls completed (each checked).</summary>
    private static int ExplainUntilDisposed(LrpExplainer explainer, float[] input, CountdownEvent inside)
    {
        int completed = 0;
        try
        {
            while (true)
            {
                var result = explainer.Explain(input, Rows);
                Assert.HasCount(Rows * Features, result.Relevance);
                Assert.IsTrue(result.Relevance.All(float.IsFinite));
                completed++;
                if (completed == 1)
                {
                    inside.Signal();
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return completed;
        }
    }

    private static float[] Inputs(int rows) => Enumerable.Range(0, rows * Features).Select(i => (float)Math.Sin(i * 0.7)).ToArray();

    private static SchemaDefinition Definition()
    {
        var definition = SchemaDefinition.Create(typeof(VectorRow));
        definition["input"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Features);
        return definition;
    }

    internal sealed class VectorRow
    {
        [ColumnName("input")]
        public float[] Input { get; set; } = [];
    }
}
