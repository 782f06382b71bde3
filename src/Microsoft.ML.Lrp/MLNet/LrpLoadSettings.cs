using Microsoft.ML.Runtime;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// What a loaded LRP step gets besides its file: the ML.NET environment it logs to, and the runtime-only options
/// (<see cref="LrpOptions.Progress"/>, <see cref="LrpOptions.CancellationToken"/>) that <see cref="LrpModel"/> files never hold.
/// </summary>
internal sealed record LrpLoadSettings
{
    /// <summary>The environment the loaded steps log their progress to; null logs nothing.</summary>
    public IHostEnvironment? Environment { get; init; }

    /// <summary>Set as <see cref="LrpOptions.Progress"/> on every loaded LRP step.</summary>
    public IProgress<LrpProgress>? Progress { get; init; }

    /// <summary>Set as <see cref="LrpOptions.CancellationToken"/> on every loaded LRP step.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>The stored options with the runtime-only ones set.</summary>
    public LrpOptions Apply(LrpOptions stored) => stored with { Progress = Progress, CancellationToken = CancellationToken };
}
