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
    public static byte[] Read(TensorProto proto, string? directory)
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

        string path = ResolveInside(proto.Name, location, directory);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        long available = stream.Length - offset;
        if (offset < 0 || available < 0 || length > available)
        {
            throw new LrpException(
                $"Tensor '{proto.Name}' asks for {(length < 0 ? "the rest" : length.ToString(CultureInfo.InvariantCulture) + " bytes")} of '{path}' from offset {offset}, but the file holds {stream.Length} bytes.");
        }

        long count = length < 0 ? available : length;
        var bytes = new byte[checked((int)count)];
        stream.Seek(offset, SeekOrigin.Begin);
        stream.ReadExactly(bytes);
        return bytes;
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
    private static string RealPath(string fullPath)
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
