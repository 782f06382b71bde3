using System.Diagnostics;
using System.Reflection;

namespace Microsoft.ML.Lrp.GpuCheck;

/// <summary>
/// A minimal MSTest runner for machines without the .NET SDK: runs every [TestMethod] (inherited ones included) of
/// the [TestClass]es carrying a category, expanding DataRow/DynamicData rows, with [TestCleanup] after each test.
/// Assert.Inconclusive counts as skipped.
/// </summary>
internal static class TestRunner
{
    public static int Run(Assembly assembly, string category, bool cudaOnly)
    {
        int passed = 0, failed = 0, skipped = 0;
        var total = Stopwatch.StartNew();
        foreach (var type in assembly.GetTypes().Where(t => !t.IsAbstract && t.GetCustomAttribute<TestClassAttribute>() is not null).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var categories = type.GetCustomAttributes<TestCategoryAttribute>().SelectMany(c => c.TestCategories).ToList();
            if (!categories.Contains(category) || (cudaOnly && !categories.Contains("Cuda")))
            {
                continue;
            }

            var cleanups = type.GetMethods().Where(m => m.GetCustomAttribute<TestCleanupAttribute>() is not null).ToList();
            foreach (var method in type.GetMethods().Where(m => m.GetCustomAttribute<TestMethodAttribute>() is not null))
            {
                var sources = method.GetCustomAttributes().OfType<ITestDataSource>().ToList();
                var rows = sources.Count == 0 ? [[]] : sources.SelectMany(s => s.GetData(method)).ToList();
                foreach (var row in rows)
                {
                    string name = $"{type.Name}.{method.Name}({string.Join(", ", row.Select(v => v?.ToString()))})";
                    var watch = Stopwatch.StartNew();
                    var instance = Activator.CreateInstance(type)!;
                    try
                    {
                        method.Invoke(instance, row);
                        passed++;
                        Console.WriteLine($"  passed  {name} [{watch.ElapsedMilliseconds} ms]");
                    }
                    catch (TargetInvocationException ex) when (ex.InnerException is AssertInconclusiveException inconclusive)
                    {
                        skipped++;
                        Console.WriteLine($"  skipped {name}: {inconclusive.Message}");
                    }
                    catch (TargetInvocationException ex)
                    {
                        failed++;
                        Console.WriteLine($"  FAILED  {name}: {ex.InnerException?.GetType().Name}: {ex.InnerException?.Message}");
                        if (failed == 1 || Environment.GetEnvironmentVariable("LRP_GPUCHECK_VERBOSE") == "1")
                        {
                            Console.WriteLine(ex.InnerException);
                        }
                    }
                    finally
                    {
                        foreach (var cleanup in cleanups)
                        {
                            cleanup.Invoke(instance, null);
                        }
                    }
                }
            }
        }

        Console.WriteLine($"Tests of category '{category}'{(cudaOnly ? " (CUDA only)" : "")} took {total.Elapsed.TotalSeconds:F1} s.");
        Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped");
        return failed > 0 || passed + skipped == 0 ? 1 : 0;
    }
}
