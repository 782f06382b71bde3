using System.Reflection;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Hands a one-node model's weights to ONNX Runtime without serialising them into the model's bytes. The model's
/// initializer <c>W</c> names an external file, <see cref="FileName"/>, and the session is given that "file" as
/// the layer's own (pinned) float array through ONNX Runtime's <c>AddExternalInitializersFromFilesInMemory</c>:
/// the model bytes stay a few hundred bytes instead of a copy of the weights (ResNet18 under EpsilonPlusFlat built
/// about 270 MiB of such bytes and flipped copies in its first explanation, all garbage once the sessions existed).
/// The C# wrapper does not expose that call, so its entry is read from the wrapper's own table of the C API; where
/// that fails (another ONNX Runtime build), the weights are written inline as before.
/// </summary>
internal static unsafe class OrtWeightFile
{
    /// <summary>The external file name the one-node models' weight initializer refers to.</summary>
    public const string FileName = "lrp-weights.bin";

    private static readonly Lazy<Api?> Entry = new(FindApi, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Set false to always write the weights inline (tests compare both paths).</summary>
    internal static bool InMemory { get; set; } = true;

    /// <summary>Whether this ONNX Runtime build takes external data from memory (else the inline path is used).</summary>
    internal static bool Available => Entry.Value is not null;

    /// <summary>An initializer <paramref name="name"/> of <paramref name="dims"/> stored in <see cref="FileName"/> from float <paramref name="offset"/>.</summary>
    public static TensorProto Reference(string name, long[] dims, long offset)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        var tensor = new TensorProto { Name = name, DataType = 1, DataLocation = TensorProto.Types.DataLocation.External };
        tensor.Dims.AddRange(dims);
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = FileName });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = (offset * sizeof(float)).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = (count * sizeof(float)).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return tensor;
    }

    /// <summary>
    /// A session of <paramref name="model"/>, whose external initializers (<see cref="Reference"/>) read
    /// <paramref name="weights"/>. The array is pinned while the session is built and given back in
    /// <paramref name="pin"/> for the caller to free with the session (ONNX Runtime may keep pointing into it).
    /// </summary>
    public static InferenceSession Create(ModelProto model, float[] weights, SessionOptions options, out GCHandle pin)
    {
        pin = default;
        if (InMemory && Entry.Value is { } api)
        {
            pin = GCHandle.Alloc(weights, GCHandleType.Pinned);
            IntPtr name = OperatingSystem.IsWindows() ? Marshal.StringToHGlobalUni(FileName) : Marshal.StringToHGlobalAnsi(FileName);
            try
            {
                IntPtr buffer = pin.AddrOfPinnedObject();
                nuint length = (nuint)((long)weights.Length * sizeof(float));
                IntPtr status = api.AddFiles(options.DangerousGetHandle(), &name, &buffer, &length, 1);
                if (status == IntPtr.Zero)
                {
                    return new InferenceSession(model.ToByteArray(), options);
                }

                api.ReleaseStatus(status);
            }
            catch
            {
                pin.Free();
                pin = default;
                throw;
            }
            finally
            {
                Marshal.FreeHGlobal(name);
            }

            pin.Free();
            pin = default;
        }

        return new InferenceSession(Inline(model, weights).ToByteArray(), options);
    }

    /// <summary>The bytes of the weights <paramref name="model"/>'s <see cref="Reference"/>s read (what building its session loads).</summary>
    public static long ReferencedBytes(ModelProto model)
        => model.Graph.Initializer
            .Where(t => t.DataLocation == TensorProto.Types.DataLocation.External)
            .Sum(t => long.Parse(t.ExternalData.First(e => e.Key == "length").Value, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The model with every <see cref="Reference"/> replaced by its data inline (a copy of the model).</summary>
    internal static ModelProto Inline(ModelProto model, float[] weights)
    {
        var copy = model.Clone();
        foreach (var tensor in copy.Graph.Initializer)
        {
            if (tensor.DataLocation != TensorProto.Types.DataLocation.External)
            {
                continue;
            }

            long offset = long.Parse(tensor.ExternalData.First(e => e.Key == "offset").Value, System.Globalization.CultureInfo.InvariantCulture) / sizeof(float);
            long length = long.Parse(tensor.ExternalData.First(e => e.Key == "length").Value, System.Globalization.CultureInfo.InvariantCulture) / sizeof(float);
            tensor.ExternalData.Clear();
            tensor.DataLocation = TensorProto.Types.DataLocation.Default;
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(weights.AsSpan(checked((int)offset), checked((int)length))));
        }

        return copy;
    }

    private sealed class Api(IntPtr addFiles, IntPtr releaseStatus)
    {
        public IntPtr AddFiles(IntPtr options, IntPtr* names, IntPtr* buffers, nuint* lengths, nuint count)
            => ((delegate* unmanaged<IntPtr, IntPtr*, IntPtr*, nuint*, nuint, IntPtr>)addFiles)(options, names, buffers, lengths, count);

        public void ReleaseStatus(IntPtr status) => ((delegate* unmanaged<IntPtr, void>)releaseStatus)(status);
    }

    /// <summary>The two C API entries, from the table the C# wrapper filled (<c>NativeMethods</c>' <c>OrtApi</c>); null when not found.</summary>
    private static Api? FindApi()
    {
        try
        {
            var assembly = typeof(InferenceSession).Assembly;
            var apiType = assembly.GetType("Microsoft.ML.OnnxRuntime.OrtApi");
            var holder = assembly.GetType("Microsoft.ML.OnnxRuntime.NativeMethods");
            var table = holder?.GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public).FirstOrDefault(f => f.FieldType == apiType);
            if (apiType is null || table is null)
            {
                return null;
            }

            // Touching the wrapper makes it load the native library and fill its table.
            _ = OrtEnv.Instance();
            object? value = table.GetValue(null);
            IntPtr addFiles = apiType.GetField("AddExternalInitializersFromFilesInMemory")?.GetValue(value) as IntPtr? ?? IntPtr.Zero;
            IntPtr release = apiType.GetField("ReleaseStatus")?.GetValue(value) as IntPtr? ?? IntPtr.Zero;
            return addFiles != IntPtr.Zero && release != IntPtr.Zero ? new Api(addFiles, release) : null;
        }
        catch (Exception ex) when (ex is TypeLoadException or MemberAccessException or TargetException or ArgumentException)
        {
            return null;
        }
    }
}
