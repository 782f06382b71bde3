using System.Diagnostics;
using System.Text;

namespace Microsoft.ML.Lrp.Tests.Packaging;

/// <summary>
/// A temporary folder with a local package feed and a consumer project; runs <c>dotnet</c> there. Restores are
/// offline-friendly: the machine's global packages folder is a fallback folder (packages there are used as they are),
/// the local feed adds <c>Microsoft.ML.Lrp</c>, and the sources the machine's NuGet configuration names stay in force
/// (as for the repository, whose nuget.config adds none). Packages restored here land in the workspace, not in the
/// machine's cache. Deleted on dispose.
/// </summary>
internal sealed class PackagingWorkspace : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(4);

    public PackagingWorkspace()
    {
        Directory = Path.Combine(Path.GetTempPath(), $"lrp-pack-{Guid.NewGuid():N}");
        Feed = Path.Combine(Directory, "feed");
        System.IO.Directory.CreateDirectory(Feed);
    }

    /// <summary>The workspace folder.</summary>
    public string Directory { get; }

    /// <summary>The local package feed.</summary>
    public string Feed { get; }

    /// <summary>The repository root (the folder holding Microsoft.ML.Lrp.sln), found above the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Microsoft.ML.Lrp.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Microsoft.ML.Lrp.sln above '{AppContext.BaseDirectory}'.");
    }

    /// <summary>Writes a console project referencing <c>Microsoft.ML.Lrp</c> <paramref name="version"/> and its nuget.config; returns its folder.</summary>
    public string WriteConsumer(string version, string program)
    {
        string project = Path.Combine(Directory, "consumer");
        System.IO.Directory.CreateDirectory(project);
        string machineCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(project, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(Directory, "packages")}" />
              </config>
              <packageSources>
                <add key="lrp-local" value="{Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine-cache" value="{machineCache}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        // ONNX Runtime's native library is the application's choice (the package depends on the managed part only);
        // the GPU package runs on the CPU too and is already in the machine's cache (the tests use it).
        File.WriteAllText(Path.Combine(project, "consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.ML.Lrp" Version="[{version}]" />
                <PackageReference Include="Microsoft.ML.OnnxRuntime.Gpu" Version="1.32.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), program);
        return project;
    }

    /// <summary>Runs <c>dotnet</c> in <paramref name="workingDirectory"/>; returns the exit code and stdout + stderr.</summary>
    public (int ExitCode, string Output) Dotnet(string workingDirectory, CancellationToken cancellation, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The test host runs under MSBuild's variables (SDK paths, node settings): a nested build must not inherit them.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            process.WaitForExitAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Append(output, $"dotnet {string.Join(' ', arguments)}: killed after {CommandTimeout} (or cancelled).");
            return (-1, output.ToString());
        }

        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open (an antivirus, a late build node) leaves the temp folder behind; not a failure.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
