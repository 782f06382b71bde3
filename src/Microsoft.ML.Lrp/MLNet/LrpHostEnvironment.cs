using System.Reflection;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// Finds the <see cref="IHostEnvironment"/> behind an ML.NET catalog (<c>mlContext.Transforms</c>,
/// <c>mlContext.Model</c>), so that an LRP step logs to the context that made it (<c>MLContext.Log</c>).
/// </summary>
/// <remarks>
/// ML.NET's catalogs keep their environment behind the internal interface <c>Microsoft.ML.Data.IInternalCatalog</c>
/// (ML.NET's own extension packages reach it as friend assemblies). It is read here by reflection; should a later
/// ML.NET move it, the step runs without logging (progress through <see cref="LrpOptions.Progress"/> is unaffected).
/// </remarks>
internal static class LrpHostEnvironment
{
    private const string InternalCatalog = "Microsoft.ML.Data.IInternalCatalog";

    /// <summary>The environment of <paramref name="catalog"/>, or null when ML.NET does not expose it as expected.</summary>
    public static IHostEnvironment? Of(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var property = catalog.GetType().GetInterface(InternalCatalog)?.GetProperty("Environment", BindingFlags.Instance | BindingFlags.Public);
        try
        {
            return property?.GetValue(catalog) as IHostEnvironment;
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }
}
