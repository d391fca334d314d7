using System.Buffers.Binary;
using System.IO.Compression;

namespace MLStability.Data;

/// <summary>
/// Reads the IDX format of MNIST-style data sets (magic 2049 for labels, 2051 for images; big-endian counts),
/// plain or gzip-compressed (detected from the content, not the file name).
/// </summary>
public static class IdxReader
{
    private const int LabelMagic = 2049;
    private const int ImageMagic = 2051;

    /// <summary>Reads an idx1 label file: one byte per item.</summary>
    /// <param name="path">The file, plain or gzip.</param>
    public static byte[] ReadLabels(string path)
    {
        using var stream = OpenDecompressed(path);
        int[] header = ReadHeader(stream, path, LabelMagic, 1);
        return ReadExactly(stream, header[0], path);
    }

    /// <summary>Reads an idx3 image file: count images of rows x columns bytes, row-major.</summary>
    /// <param name="path">The file, plain or gzip.</param>
    public static IdxImages ReadImages(string path)
    {
        using var stream = OpenDecompressed(path);
        int[] header = ReadHeader(stream, path, ImageMagic, 3);
        long size = (long)header[0] * header[1] * header[2];
        if (size > Array.MaxLength)
            throw new InvalidDataException($"{path}: {header[0]} images of {header[1]}x{header[2]} do not fit in memory.");
        return new IdxImages(header[0], header[1], header[2], ReadExactly(stream, (int)size, path));
    }

    /// <summary>Opens a file, transparently decompressing gzip (magic bytes 1F 8B).</summary>
    private static Stream OpenDecompressed(string path)
    {
        var file = File.OpenRead(path);
        int first = file.ReadByte(), second = file.ReadByte();
        file.Position = 0;
        return first == 0x1F && second == 0x8B ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    private static int[] ReadHeader(Stream stream, string path, int expectedMagic, int dimensions)
    {
        byte[] bytes = ReadExactly(stream, 4 * (1 + dimensions), path);
        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expectedMagic)
            throw new InvalidDataException(
                $"{path}: IDX magic number {magic}, expected {expectedMagic} ({(expectedMagic == ImageMagic ? "images" : "labels")}).");
        var header = new int[dimensions];
        for (int i = 0; i < dimensions; i++)
        {
            header[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 * (i + 1)));
            if (header[i] < 0)
                throw new InvalidDataException($"{path}: negative dimension {header[i]} in the IDX header.");
        }
        return header;
    }

    private static byte[] ReadExactly(Stream stream, int count, string path)
    {
        var buffer = new byte[count];
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: the file ends before the {count} bytes its header announces.");
        }
        return buffer;
    }
}

/// <summary>Images read from an idx3 file.</summary>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Pixel rows per image.</param>
/// <param name="Columns">Pixel columns per image.</param>
/// <param name="Pixels">Count x Rows x Columns bytes, row-major.</param>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels)
{
    /// <summary>Pixels per image.</summary>
    public int PixelsPerImage => Rows * Columns;
}
