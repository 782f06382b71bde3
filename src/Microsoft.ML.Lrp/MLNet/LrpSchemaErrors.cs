using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>The exceptions of schema checks: each names the column, what was expected and what was found.</summary>
internal static class LrpSchemaErrors
{
    public static ArgumentOutOfRangeException MissingColumn(string role, string name, IEnumerable<string> available)
    {
        string list = string.Join(", ", available.Select(n => $"'{n}'"));
        return new ArgumentOutOfRangeException(
            "inputSchema",
            $"The {role} column '{name}' was not found in the input schema. Available columns: {(list.Length == 0 ? "(none)" : list)}.");
    }

    public static ArgumentOutOfRangeException WrongType(string role, string name, string expected, DataViewType actual)
        => new("inputSchema", $"The {role} column '{name}' must be {expected}, but it is {actual}.");

    public static ArgumentOutOfRangeException WrongType(string role, string name, string expected, string actual)
        => new("inputSchema", $"The {role} column '{name}' must be {expected}, but it is {actual}.");

    public static IEnumerable<string> VisibleNames(DataViewSchema schema)
        => schema.Where(c => !c.IsHidden).Select(c => c.Name);

    public static IEnumerable<string> VisibleNames(SchemaShape shape) => shape.Select(c => c.Name);
}
