namespace MLStability.Networks;

/// <summary>The height and width of the images a convolution gets or makes.</summary>
internal readonly record struct ImageSize(long Height, long Width)
{
    /// <summary>The size after a "same"-padded (padding k / 2) convolution with <paramref name="kernel"/> and <paramref name="stride"/>.</summary>
    public ImageSize After(long kernel, long stride) =>
        new((Height + 2 * (kernel / 2) - kernel) / stride + 1, (Width + 2 * (kernel / 2) - kernel) / stride + 1);
}
