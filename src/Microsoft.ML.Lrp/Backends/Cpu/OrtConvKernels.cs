using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Large ungrouped 2-D convolutions (forward, and backward data as a <c>ConvTranspose</c>) run by ONNX Runtime's
/// CPU kernels (MLAS), which are about twice as fast as <see cref="BlockedGemm"/> with im2col on these shapes.
/// A one-node model (<see cref="OrtConvSession"/>) is built per weight tensor and geometry (the batch stays
/// symbolic) and cached; a cached one is used only when its stored weights equal the call's, so the cache is keyed
/// by content, never by identity. A caller that owns an immutable weight array binds it once (<see cref="Bind"/>)
/// and skips that comparison on every later call. Anything unusual (bias, groups, other ranks, invalid output padding) is declined and left to the
/// managed kernels.
/// </summary>
internal static unsafe class OrtConvKernels
{
    /// <summary>Multiply-adds below which the managed kernels are used.</summary>
    private const long MinimumWork = 1L << 24;

    /// <summary>Sessions kept before the cache is emptied (a guard against unbounded growth).</summary>
    private const int MaxSessions = 256;

    private static readonly Dictionary<string, List<Entry>> Cache = new(StringComparer.Ordinal);
    private static readonly object Lock = new();
    private static int _count;

    /// <summary>Set false to always use the managed kernels (tests compare both).</summary>
    public static bool Enabled { get; set; } = true;

    /// <summary><c>y = conv(x, w)</c> through ONNX Runtime; false when declined (nothing written).</summary>
    public static bool TryForward(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
        => bias.IsEmpty && Run(g, transpose: false, x, w, y);

    /// <summary><c>dx = convᵀ(dy, w)</c> through ONNX Runtime; false when declined (nothing written).</summary>
    public static bool TryBackwardData(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
        => Run(g, transpose: true, dy, w, dx);

    /// <summary>
    /// The session for <paramref name="g"/> (any batch) and <paramref name="w"/>, found or built once, for a caller
    /// that owns an immutable weight array and runs it many times (<see cref="TryRunBound"/>) without the per-call
    /// content check; null when ONNX Runtime is disabled, the convolution is unsupported, or the session fails.
    /// </summary>
    /// <remarks>The caller holds the session until it calls <see cref="Unbind"/>.</remarks>
    public static OrtConvSession? Bind(ConvGeometry g, bool transpose, float[] w)
        => Enabled && g.SpatialRank == 2 && g.Group == 1 && w.Length == g.OutChannels * g.InChannels * g.KernelSize
            ? Session(g, transpose, w, w)
            : null;

    /// <summary>
    /// Ends a <see cref="Bind"/>: the session leaves the cache and its ONNX Runtime sessions are disposed once no
    /// other binder or running call uses them. Cached sessions of a disposed explainer otherwise held ONNX Runtime's
    /// memory until the process ended (about 0.8 GB after the benchmark's ResNet18 rows).
    /// </summary>
    public static void Unbind(OrtConvSession session)
    {
        lock (Lock)
        {
            foreach (var (key, entries) in Cache.ToList())
            {
                _count -= entries.RemoveAll(e => ReferenceEquals(e.Session, session));
                if (entries.Count == 0)
                {
                    Cache.Remove(key);
                }
            }

            session.Release();
            session.Retire();
        }
    }

    /// <summary>
    /// Runs a session from <see cref="Bind"/> (for the same geometry up to the batch); false when declined (ONNX
    /// Runtime disabled, too little work, or lengths that do not fit), nothing written.
    /// </summary>
    public static bool TryRunBound(OrtConvSession session, ConvGeometry g, bool transpose, ReadOnlySpan<float> input, Span<float> output)
        => Accepts(g, transpose, input.Length, output.Length) && Execute(session, g, transpose, input, output);

    private static bool Accepts(ConvGeometry g, bool transpose, long inputLength, long outputLength)
    {
        if (!Enabled || g.SpatialRank != 2 || g.Group != 1 || g.Batch < 1
            || (long)g.Batch * g.OutChannels * g.OutSpatialSize * g.InChannels * g.KernelSize < MinimumWork)
        {
            return false;
        }

        long inLength = (long)g.Batch * g.InChannels * g.InSpatialSize, outLength = (long)g.Batch * g.OutChannels * g.OutSpatialSize;
        return inputLength == (transpose ? outLength : inLength) && outputLength == (transpose ? inLength : outLength);
    }

    private static bool Run(ConvGeometry g, bool transpose, ReadOnlySpan<float> input, ReadOnlySpan<float> w, Span<float> output)
    {
        if (!Accepts(g, transpose, input.Length, output.Length) || w.Length != g.OutChannels * g.InChannels * g.KernelSize)
        {
            return false;
        }

        var session = Session(g, transpose, w, owned: null);
        if (session is null)
        {
            return false;
        }

        try
        {
            return Execute(session, g, transpose, input, output);
        }
        finally
        {
            session.Release();
        }
    }

    private static bool Execute(OrtConvSession session, ConvGeometry g, bool transpose, ReadOnlySpan<float> input, Span<float> output)
    {
        long[] inShape = transpose ? [g.OutChannels, .. g.OutSpatial] : [g.InChannels, .. g.InSpatial];
        long[] outShape = transpose ? [g.InChannels, .. g.InSpatial] : [g.OutChannels, .. g.OutSpatial];
        return session.Run(g.Batch, inShape, outShape, input, output);
    }

    /// <summary>
    /// The cached (or new) session for these weights, counted as used by the caller (who releases it).
    /// <paramref name="owned"/> is the binder's immutable array of <paramref name="w"/> (null for an unbound call):
    /// the cache keeps that array rather than a copy, and the sessions read it in place (<see cref="OrtWeightFile"/>),
    /// so a bound layer costs no managed copy of its weights.
    /// </summary>
    private static OrtConvSession? Session(ConvGeometry g, bool transpose, ReadOnlySpan<float> w, float[]? owned)
    {
        string key = string.Join(
            ",",
            transpose ? "T" : "F",
            g.InChannels,
            g.OutChannels,
            string.Join('x', g.InSpatial),
            string.Join('x', g.KernelSpatial),
            string.Join('x', g.OutSpatial),
            string.Join('x', g.Strides),
            string.Join('x', g.PadsBegin),
            string.Join('x', g.Dilations),
            Fingerprint(w));
        lock (Lock)
        {
            if (Cache.TryGetValue(key, out var entries))
            {
                foreach (var entry in entries)
                {
                    if (entry.Session is not null && w.SequenceEqual(entry.Weights) && entry.Session.Acquire())
                    {
                        return entry.Session;
                    }
                }
            }

            if (_count >= MaxSessions)
            {
                // Dropped, not disposed: another thread may still be running one; finalisers release them.
                Cache.Clear();
                _count = 0;
            }

            var weights = owned ?? w.ToArray();
            OrtConvSession? session = OrtConvModel.Supports(g, transpose)
                ? new OrtConvSession(weights, () => OrtConvModel.Build(g, transpose), (first, end) => OrtConvModel.BuildChannels(g, transpose, first, end), transpose ? g.InChannels : g.OutChannels)
                : null;

            if (!Cache.TryGetValue(key, out entries))
            {
                entries = [];
                Cache[key] = entries;
            }

            entries.Add(new Entry(weights, session));
            _count++;
            session?.Acquire();
            return session;
        }
    }

    /// <summary>A cheap content fingerprint (64 sampled values) that narrows the equality check.</summary>
    private static string Fingerprint(ReadOnlySpan<float> w)
    {
        var hash = new HashCode();
        hash.Add(w.Length);
        int step = Math.Max(1, w.Length / 64);
        for (int i = 0; i < w.Length; i += step)
        {
            hash.Add(w[i]);
        }

        return hash.ToHashCode().ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed record Entry(float[] Weights, OrtConvSession? Session);
}
