using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// The static, topologically ordered schedule of a relevance pass, built once at Fit and stored by
/// <c>LrpModel.Save</c>: what ONNX Runtime hands back, which activations are promised (rebuilt by replay), and the
/// ordered replay and relevance actions with the releases that follow each.
/// </summary>
internal sealed record PromiseSchedule
{
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    public int Version { get; init; } = CurrentVersion;

    public LrpCapturePolicy Policy { get; init; }

    /// <summary>Values ONNX Runtime returns besides the explained output.</summary>
    public List<string> Captures { get; init; } = [];

    /// <summary>Activations a rule reads that are rebuilt rather than captured.</summary>
    public List<string> Promised { get; init; } = [];

    public List<ScheduleAction> Actions { get; init; } = [];

    public static PromiseSchedule FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<PromiseSchedule>(json, Json) ?? throw new LrpException("The stored relevance schedule is empty.");
        }
        catch (JsonException ex)
        {
            throw new LrpException($"The stored relevance schedule cannot be read: {ex.Message}", ex);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
