using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// Creates <see cref="SchemaShape.Column"/> values, whose only constructor is internal to ML.NET: one reflection
/// call, looked up once and guarded, with a clear error if a future ML.NET changes the constructor.
/// </summary>
internal static class LrpSchemaShapes
{
    private static readonly ConstructorInfo? ColumnConstructor = typeof(SchemaShape.Column).GetConstructor(
        BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public,
        binder: null,
        [typeof(string), typeof(SchemaShape.Column.VectorKind), typeof(DataViewType), typeof(bool), typeof(SchemaShape)],
        modifiers: null);

    /// <summary>An empty annotation shape.</summary>
    public static SchemaShape Empty { get; } = new([]);

    /// <summary>A column shape of the given name, kind and item type.</summary>
    public static SchemaShape.Column Column(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, SchemaShape? annotations = null)
    {
        if (ColumnConstructor is null)
        {
            throw new InvalidOperationException(
                "This version of ML.NET has no SchemaShape.Column(string, VectorKind, DataViewType, bool, SchemaShape) constructor, "
                + "so LrpEstimator.GetOutputSchema cannot describe its columns. Fit the estimator and use LrpTransformer.GetOutputSchema instead.");
        }

        return (SchemaShape.Column)ColumnConstructor.Invoke([name, kind, itemType, false, annotations ?? Empty]);
    }
}
