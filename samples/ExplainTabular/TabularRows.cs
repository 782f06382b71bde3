namespace ExplainTabular;

/// <summary>
/// A generated row with a known ground truth: the label depends on <see cref="Income"/> and <see cref="Debt"/> only
/// (<c>s = 2·Income − 3·Debt + noise</c>); the other eight columns, a colour among them, are noise.
/// </summary>
public sealed class TabularRow
{
    public float Income { get; set; }

    public float Debt { get; set; }

    public float Age { get; set; }

    public float Tenure { get; set; }

    public float Visits { get; set; }

    public float Clicks { get; set; }

    public float Height { get; set; }

    public float Rooms { get; set; }

    public float Distance { get; set; }

    public string Color { get; set; } = "";

    public bool Approved { get; set; }

    public float Score { get; set; }

    public uint Band { get; set; }

    public static readonly string[] NumericColumns = ["Income", "Debt", "Age", "Tenure", "Visits", "Clicks", "Height", "Rooms", "Distance"];

    public static List<TabularRow> Generate(int count, int seed)
    {
        var random = new Random(seed);
        string[] colors = ["Red", "Green", "Blue"];
        float U() => (float)((random.NextDouble() * 2) - 1);
        var rows = new List<TabularRow>(count);
        for (int i = 0; i < count; i++)
        {
            var row = new TabularRow
            {
                Income = U(), Debt = U(), Age = U(), Tenure = U(), Visits = U(), Clicks = U(), Height = U(), Rooms = U(), Distance = U(),
                Color = colors[random.Next(colors.Length)],
            };
            float s = (2 * row.Income) - (3 * row.Debt) + (0.3f * U());
            row.Score = s;
            row.Approved = s > 0;
            row.Band = s > 1 ? 2u : s > -1 ? 1u : 0u;
            rows.Add(row);
        }

        return rows;
    }
}
