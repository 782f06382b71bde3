using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// One ONNX Runtime CPU arena for the whole process, shared by the convolution sessions of
/// <see cref="OrtConvSession"/>. By default every ONNX Runtime session grows an arena of its own and keeps it for its
/// lifetime: ResNet18 at batch 8 under EpsilonPlusFlat has about forty one-node convolution sessions, whose arenas
/// together held about 260 MiB. They run one at a time (two threads on slices of one layer's batch), so one arena
/// serves them all at the peak of the largest. The arena grows by what is asked (not by powers of two). The capture
/// session keeps its own arena: a process-wide arena never shrinks, and the capture run of a large model (or the
/// shape probe, which fetches every value) would leave its peak in it after the explainer is disposed.
/// </summary>
internal static class OrtConvArena
{
    /// <summary>ONNX Runtime's arena extend strategy <c>kSameAsRequested</c>.</summary>
    private const int SameAsRequested = 1;

    private static readonly Lazy<bool> Registered = new(Register, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Makes a CPU session created with <paramref name="options"/> allocate from the shared arena (when it could be registered).</summary>
    public static void Apply(SessionOptions options)
    {
        if (Registered.Value)
        {
            options.AddSessionConfigEntry("session.use_env_allocators", "1");
        }
    }

    private static bool Register()
    {
        try
        {
            using var info = new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);
            using var arena = new OrtArenaCfg(0, SameAsRequested, -1, -1);
            OrtEnv.Instance().CreateAndRegisterAllocator(info, arena);
            return true;
        }
        catch (OnnxRuntimeException)
        {
            // Another component registered a CPU allocator first: the sessions use that one, which is as good.
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
