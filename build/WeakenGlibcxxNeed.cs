// MSBuild inline task (RoslynCodeTaskFactory) used by MLStability.NativeFix.targets.
// It marks one symbol-version need of libLibTorchSharp.so WEAK when the system libstdc++ lacks that version.
// RoslynCodeTaskFactory compiles it against netstandard2.0: no spans, no nullable annotations, no File.Move overwrite.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class MLStabilityWeakenGlibcxxNeed : Task
{
    private const string LibraryName = "libLibTorchSharp.so";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    private static readonly string[] LibStdCxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    [Required] public string[] Directories { get; set; } = Array.Empty<string>();
    [Required] public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        var libraries = Directories
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, LibraryName, SearchOption.AllDirectories))
            .Distinct()
            .ToList();
        if (libraries.Count == 0)
            return true;

        string libStdCxx = LibStdCxxCandidates.FirstOrDefault(File.Exists);
        if (libStdCxx == null)
        {
            Log.LogWarning(null, "MLS0001", null, null, 0, 0, 0, 0,
                "MLStability: could not find the system libstdc++.so.6, so it is unknown whether {0} can load. " +
                "If loading fails with 'version {1} not found', install a libstdc++ from GCC 13 or newer.",
                LibraryName, VersionName);
            return true;
        }
        if (ContainsAscii(File.ReadAllBytes(libStdCxx), VersionName))
            return true; // The system provides the version: nothing to fix.

        foreach (string library in libraries)
            PatchCopy(library, libStdCxx);
        return true;
    }

    private void PatchCopy(string library, string libStdCxx)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(library);
            switch (WeakenNeed(bytes, VersionName))
            {
                case PatchResult.AlreadyWeak:
                    return;
                case PatchResult.NotNeeded:
                    return;
                case PatchResult.Patched:
                    // Write a new file and move it over the output copy: the NuGet cache (or anything hard-linked
                    // to the copy) keeps its original bytes.
                    string temporary = library + ".mlstability-tmp";
                    File.WriteAllBytes(temporary, bytes);
                    File.Delete(library);
                    File.Move(temporary, library);
                    Log.LogMessage(MessageImportance.High,
                        "MLStability: {0} lacks {1}; marked that version need WEAK in {2} so TorchSharp can load.",
                        libStdCxx, VersionName, library);
                    return;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Log.LogWarning(null, "MLS0002", null, library, 0, 0, 0, 0,
                "MLStability: could not mark the {0} need WEAK in {1} ({2}). TorchSharp will fail to load here with " +
                "'version {0} not found' unless a libstdc++ from GCC 13 or newer is installed.",
                VersionName, library, e.Message);
        }
    }

    private enum PatchResult { NotNeeded, AlreadyWeak, Patched }

    /// <summary>Finds the Vernaux entry named <paramref name="version"/> in .gnu.version_r and sets VER_FLG_WEAK.</summary>
    private static PatchResult WeakenNeed(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only little-endian ELF64 is supported");

        long sectionHeaders = (long)BitConverter.ToUInt64(elf, 0x28);
        int sectionHeaderSize = BitConverter.ToUInt16(elf, 0x3A);
        int sectionCount = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < sectionCount; i++)
        {
            long header = sectionHeaders + (long)i * sectionHeaderSize;
            if (BitConverter.ToUInt32(elf, (int)header + 4) != ShtGnuVerneed)
                continue;
            long offset = (long)BitConverter.ToUInt64(elf, (int)header + 24);
            uint stringSectionIndex = BitConverter.ToUInt32(elf, (int)header + 40);
            uint needCount = BitConverter.ToUInt32(elf, (int)header + 44);
            long stringHeader = sectionHeaders + stringSectionIndex * sectionHeaderSize;
            long strings = (long)BitConverter.ToUInt64(elf, (int)stringHeader + 24);

            long need = offset;
            for (uint n = 0; n < needCount; n++)
            {
                ushort auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                    uint name = BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadString(elf, strings + name) == version)
                    {
                        if ((flags & VerFlagWeak) != 0)
                            return PatchResult.AlreadyWeak;
                        BitConverter.GetBytes((ushort)(flags | VerFlagWeak)).CopyTo(elf, (int)aux + 4);
                        return PatchResult.Patched;
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        return PatchResult.NotNeeded;
    }

    private static string ReadString(byte[] bytes, long start)
    {
        long end = start;
        while (end < bytes.Length && bytes[end] != 0)
            end++;
        return Encoding.ASCII.GetString(bytes, (int)start, (int)(end - start));
    }

    private static bool ContainsAscii(byte[] haystack, string text)
    {
        byte[] needle = Encoding.ASCII.GetBytes(text + "\0");
        for (int start = Array.IndexOf(haystack, needle[0]); start >= 0 && start <= haystack.Length - needle.Length;
             start = Array.IndexOf(haystack, needle[0], start + 1))
        {
            int matched = 1;
            while (matched < needle.Length && haystack[start + matched] == needle[matched])
                matched++;
            if (matched == needle.Length)
                return true;
        }
        return false;
    }
}
