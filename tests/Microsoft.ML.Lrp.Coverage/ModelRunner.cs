using System.Diagnostics;

namespace Microsoft.ML.Lrp.Coverage;

/// <summary>Runs <see cref="LrpCoverage.Analyze(LrpOptions)"/> and one <see cref="LrpExplainer"/> explanation on one corpus model.</summary>
internal static class ModelRunner
{
    public static ModelResult Run(CorpusEntry entry)
    {
        var result = new ModelResult(entry);
        var clock = Stopwatch.StartNew();
        var composite = Enum.Parse<LrpComposite>(entry.Composite);
        var analyzeOptions = new LrpOptions { ModelFile = entry.ModelPath, InputColumnName = entry.Explain, OutputName = entry.Output, Composite = composite };
        try
        {
            var report = LrpCoverage.Analyze(analyzeOptions);
            result.Nodes = report.Nodes;
            result.PathNodes = report.RelevanceNodes;
            result.CoveredPathNodes = report.CoveredRelevanceNodes;
            result.Unsupported = report.UnsupportedOpTypes;
        }
        catch (Exception e)
        {
            result.Error = "Analyze: " + FirstLine(e);
        }

        try
        {
            Explain(entry, analyzeOptions, result);
        }
        catch (Exception e)
        {
            result.Error ??= FirstLine(e);
        }

        result.Seconds = clock.Elapsed.TotalSeconds;
        return result;
    }

    private static void Explain(CorpusEntry entry, LrpOptions analyzeOptions, ModelResult result)
    {
        var explained = entry.ExplainedInput;
        int rows = entry.Rows;
        var options = analyzeOptions with { InputRowShape = explained.RowShape, BatchSize = rows };
        using var explainer = new LrpExplainer(options);
        var additional = entry.Inputs.Where(i => i.Name != entry.Explain)
            .ToDictionary(i => i.Name, i => InputData.Additional(entry.Name, i, rows), StringComparer.Ordinal);
        var explanation = explained.IsInteger
            ? explainer.ExplainTokens(InputData.TokenIds(entry.Name, explained, rows), rows, additionalInputs: additional)
            : explainer.Explain(InputData.Floats(entry.Name, explained, rows), rows, additionalInputs: additional);
        result.Ran = true;
        result.Finite = explanation.Relevance.All(float.IsFinite);
        result.NonZero = explanation.Relevance.Any(r => r != 0);
        double worst = 0;
        for (int row = 0; row < rows; row++)
        {
            double seed = Math.Abs(explanation.SeedTotals[row]);
            double error = Math.Abs(explanation.ConservationError(row));
            worst = Math.Max(worst, seed > 0 ? error / seed : error == 0 ? 0 : double.PositiveInfinity);
        }

        result.ConservationError = worst;
    }

    private static string FirstLine(Exception e)
    {
        string message = e.Message.Split('\n', 2)[0].Trim();
        return e is LrpException ? message : $"{e.GetType().Name}: {message}";
    }
}
