using System.Globalization;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>One row of issue 14's target table: a measured value against its target.</summary>
/// <param name="Name">What was measured.</param>
/// <param name="Value">The measured value (NaN when the row could not be measured; <paramref name="Detail"/> says why).</param>
/// <param name="Unit">"×", "%", "GiB", "s".</param>
/// <param name="Target">The issue's target.</param>
/// <param name="AtLeast">True when the value must be at least the target (Zennit ratio); otherwise at most.</param>
/// <param name="Detail">The figures behind the value (ORT and LRP times, phases, peaks).</param>
internal sealed record TargetRow(string Name, double Value, string Unit, double Target, bool AtLeast, string Detail)
{
    public static string Header =>
        "| Row | Measured | Target | Holds | Details |\n" +
        "|---|---:|---:|:---:|---|";

    public bool Measured => !double.IsNaN(Value);

    public bool Holds => Measured && (AtLeast ? Value >= Target : Value <= Target);

    public static TargetRow Missing(string name, string unit, double target, bool atLeast, string why)
        => new(name, double.NaN, unit, target, atLeast, "not measured: " + why);

    public string ToMarkdown()
    {
        string value = Measured ? Format(Value) : "—";
        string target = $"{(AtLeast ? "≥" : "≤")} {Format(Target)}";
        string holds = !Measured ? "—" : Holds ? "yes" : "no";
        return $"| {Name} | {value} | {target} | {holds} | {Detail} |";
    }

    private string Format(double v) => Unit switch
    {
        "%" => v.ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + " %",
        "×" => v.ToString("F2", CultureInfo.InvariantCulture) + " ×",
        _ => v.ToString("F2", CultureInfo.InvariantCulture) + " " + Unit,
    };
}
