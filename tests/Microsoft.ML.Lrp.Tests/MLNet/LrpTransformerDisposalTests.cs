namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class LrpTransformerDisposalTests
{
    private readonly MLContext _mlContext = new(seed: 1);

    [TestMethod]
    public void Dispose_DisposesTheExplainer()
    {
        var (transformer, fake, _) = Fitted();

        transformer.Dispose();

        Assert.IsTrue(fake.IsDisposed);
    }

    [TestMethod]
    public void Transform_AfterDispose_ThrowsObjectDisposed()
    {
        var (transformer, _, data) = Fitted();
        transformer.Dispose();

        Assert.ThrowsExactly<ObjectDisposedException>(() => transformer.Transform(data));
    }

    [TestMethod]
    public void GetOutputSchema_AfterDispose_ThrowsObjectDisposed()
    {
        var (transformer, _, data) = Fitted();
        transformer.Dispose();

        Assert.ThrowsExactly<ObjectDisposedException>(() => transformer.GetOutputSchema(data.Schema));
    }

    [TestMethod]
    public void GetRowToRowMapper_AfterDispose_ThrowsObjectDisposed()
    {
        var (transformer, _, data) = Fitted();
        transformer.Dispose();

        Assert.ThrowsExactly<ObjectDisposedException>(() => transformer.GetRowToRowMapper(data.Schema));
    }

    [TestMethod]
    public void CursorMoveNext_AfterDispose_ThrowsObjectDisposed()
    {
        var (transformer, _, data) = Fitted();
        var view = transformer.Transform(data);
        using var batched = view.GetRowCursor([view.Schema["Relevance"]]);
        using var passThrough = view.GetRowCursor([view.Schema["Name"]]);
        transformer.Dispose();

        Assert.ThrowsExactly<ObjectDisposedException>(() => batched.MoveNext());
        Assert.ThrowsExactly<ObjectDisposedException>(() => passThrough.MoveNext());
    }

    private (LrpTransformer Transformer, FakeBatchExplainer Fake, IDataView Data) Fitted()
    {
        var data = _mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(3));
        var (transformer, fake) = LrpTestData.Fit(_mlContext, data, LrpTestData.Options());
        return (transformer, fake, data);
    }
}
