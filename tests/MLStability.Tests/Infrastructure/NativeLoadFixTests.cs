using System.Diagnostics;

namespace MLStability.Tests;

/// <summary>
/// The build's native-load fix: on systems whose libstdc++ lacks GLIBCXX_3.4.32, the output copy of
/// libLibTorchSharp.so has that version need marked WEAK, and the NuGet cache copy is untouched.
/// </summary>
[TestClass]
public sealed class NativeLoadFixTests
{
    private const string Version = "GLIBCXX_3.4.32";

    [TestMethod]
    public void TheOutputCopyIsPatchedOnlyWhereTheSystemNeedsIt()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Inconclusive("The fix applies to Linux only.");
        string output = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).Single();
        string? entry = VersionNeedLine(output);
        if (entry == null)
            Assert.Inconclusive($"This libLibTorchSharp.so does not need {Version}.");

        bool systemHasVersion = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6" }
            .Where(File.Exists)
            .Any(lib => System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(lib)).Contains(Version + "\0"));
        Assert.AreEqual(!systemHasVersion, entry.Contains("WEAK"), entry);

        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string cache = Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (File.Exists(cache))
            Assert.IsFalse(VersionNeedLine(cache)!.Contains("WEAK"), "the NuGet cache must never be patched");
    }

    /// <summary>The readelf -V line describing the version need, or null when the library does not need it.</summary>
    private static string? VersionNeedLine(string library)
    {
        ProcessStartInfo start = new("readelf", new[] { "-V", "--wide", library }) { RedirectStandardOutput = true };
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception) { Assert.Inconclusive("readelf (binutils) is not installed."); return null; }
        string text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return text.Split('\n').FirstOrDefault(l => l.Contains("Name: " + Version));
    }
}
