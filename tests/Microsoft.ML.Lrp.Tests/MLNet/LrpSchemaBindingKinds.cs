namespace Microsoft.ML.Lrp.Tests.MLNet;

/// <summary>Annotation kinds used in assertions.</summary>
internal static class LrpSchemaBindingKinds
{
    public const string SlotNames = "SlotNames";
}
