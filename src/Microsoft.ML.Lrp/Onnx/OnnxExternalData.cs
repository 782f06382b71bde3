using System.Globalization;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Onnx;

/// <summary>
/// Reads tensors stored outside the model file (external_data keys location, offset and length). A location must
/// name a file inside the model's own folder: absolute paths, <c>..</c> segments and symbolic links that lead out
/// of the folder are refused, so a model file cannot make the library read arbitrary files.
/// </summary>
internal static class OnnxExternalData
{
    /// <summary>
    /// Reads the <paramref name="elementCount"/> elements that the tensor's header declares. Every size is checked
    /// before a byte is read: the declared length (when given) must equal what the shape needs, and the file must be
    /// a regular file that holds that many bytes from the offset. Pipes and devices report no length and are refused
    /// before they are opened (opening a pipe would block).
    /// </summary>
    public static byte[] Read(TensorProto proto, string? directory, long elementCount)
    {
        var (path, offset, needed) = Locate(proto, directory, elementCount);
        var bytes = new byte[needed];
        ReadInto(proto, path, offset, bytes);
        return bytes;
    }

    /// <summary>
    /// Reads a float tensor's external bytes straight into a float array (one copy of the weights, shared by the
    /// rules and by ONNX Runtime's sessions; see <see cref="OnnxTensorData.SharedFloats"/>), with the checks of
    /// <see cref="Read"/>.
    /// </summary>
    public static float[] ReadFloats(TensorProto proto, string? directory, long elementCount)
    {
        var (path, offset, _) = Locate(proto, directory, elementCount);
        var floats = new float[elementCount];
        ReadInto(proto, path, offset, System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()));
        return floats;
    }

    private static void ReadInto(TensorProto proto, string path, long offset, Span<byte> destination)
    {
        if (destination.Length == 0)
        {
            return;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        if (!stream.CanSeek || stream.Length < offset + destination.Length)
        {
            throw new LrpException($"Tensor '{proto.Name}' is stored in '{path}', which is not a regular file holding {offset + destination.Length} bytes.");
        }

        stream.Seek(offset, SeekOrigin.Begin);
        stream.ReadExactly(destination);
    }

    private static (string Path, long Offset, long Needed) Locate(TensorProto proto, string? directory, long elementCount)
{
        string? location = null;
        long offset = 0;
        long length = -1;
        foreach (StringStringEntryProto entry in proto.ExternalData)
        {
            switch (entry.Key)
            {
                case "location":
                    location = entry.Value;
                    break;
                case "offset":
                    offset = ParseNumber(proto, entry);
                    break;
                case "length":
                    length = ParseNumber(proto, entry);
                    break;
            }
        }

        if (string.IsNullOrEmpty(location))
        {
            throw new LrpException($"Tensor '{proto.Name}' is stored as external data but has no 'location' entry.");
        }

        if (directory is null)
        {
            throw new LrpException(
                $"Tensor '{proto.Name}' is stored in the external file '{location}', but the model was given as bytes without a folder; load it from its file or give the folder that holds '{location}'.");
        }

        long needed = NeededBytes(proto, elementCount, length);
        string path = ResolveInside(proto.Name, location, directory);
        long fileLength = new FileInfo(RealPath(path)).Length;
        if (offset > fileLength || needed > fileLength - offset)
        {
            throw new LrpException(
                $"Tensor '{proto.Name}' needs {needed} bytes of '{path}' from offset {offset}, but the file holds {fileLength} bytes"
                + (fileLength == 0 ? " (pipes, devices and other files that are not regular files are not read)." : "."));
        }

        return (path, offset, needed);
    }

    /// <summary>The bytes the header declares: element count × element size, equal to the 'length' entry when there is one.</summary>
    private static long NeededBytes(TensorProto proto, long elementCount, long length)
    {
        var type = (OnnxElementType)proto.DataType;
        int size = OnnxTensorConverter.ElementSize(type);
        if (size == 0)
        {
            throw new LrpException($"Tensor '{proto.Name}' has element type {type}, which cannot be stored as external data.");
        }

        long needed = elementCount <= Array.MaxLength / size ? elementCount * size : -1;
        if (needed < 0)
        {
            throw new LrpException(
                $"Tensor '{proto.Name}' ({type}, {elementCount} elements) is larger than one array can hold ({Array.MaxLength} bytes); split it into smaller tensors.");
        }

        if (length >= 0 && length != needed)
        {
            throw new LrpException(
                $"Tensor '{proto.Name}' declares {length} bytes of external data, but its type {type} and shape [{string.Join(", ", proto.Dims)}] need {needed}; the model file is damaged.");
        }

        return needed;
    }

    /// <summary>Returns the full path of <paramref name="location"/> after checking that it stays inside <paramref name="directory"/>.</summary>
    internal static string ResolveInside(string tensorName, string location, string directory)
    {
        string[] segments = location.Split('/', '\\');
        if (Path.IsPathRooted(location) || (OperatingSystem.IsWindows() && location.Contains(':')) || segments.Any(s => s == ".."))
        {
            throw Escapes(tensorName, location, directory);
        }

        string root = RealPath(Path.GetFullPath(directory));
        string path = Path.GetFullPath(Path.Combine(root, Path.Combine(segments)));
        if (!IsInside(path, root))
        {
            throw Escapes(tensorName, location, directory);
        }

        if (!File.Exists(path))
        {
            throw new LrpException($"Tensor '{tensorName}' is stored in the external file '{location}', which was not found at '{path}'.");
        }

        if (!IsInside(RealPath(path), root))
        {
            throw Escapes(tensorName, location, directory);
        }

        return path;
    }

    /// <summary>The path with every symbolic link along it replaced by its final target.</summary>
    internal static string RealPath(string fullPath)
    {
        string? root = Path.GetPathRoot(fullPath);
        if (string.IsNullOrEmpty(root))
        {
            return fullPath;
        }

        string current = root;
        foreach (string part in fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.Exists && info.LinkTarget is not null)
            {
                FileSystemInfo? target = info.ResolveLinkTarget(returnFinalTarget: true);
                if (target is not null)
                {
                    current = RealPath(Path.GetFullPath(target.FullName));
                }
            }
        }

        return current;
    }

    private static bool IsInside(string path, string root)
    {
        string prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        StringComparison comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
            ? StringComparison.OrdinalIgnoreCase
            : StringComparison.Ordinal;
        return path.StartsWith(prefix, comparison);
    }

    private static LrpException Escapes(string tensorName, string location, string directory)
        => new($"Tensor '{tensorName}' names the external data location '{location}', which lies outside the model's folder '{directory}'; only files inside that folder are read.");

    private static long ParseNumber(TensorProto proto, StringStringEntryProto entry)
        => long.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new LrpException($"Tensor '{proto.Name}' has external data entry '{entry.Key}' = '{entry.Value}', which is not a non-negative integer.");
}
