namespace MLStability;

/// <summary>
/// The validation split of streamed data: a row is held out when a hash of its key and the seed falls below the
/// validation fraction. It depends on neither the order rows arrive in nor on the other rows, so every epoch (and a
/// resumed run) holds out the same rows without anyone keeping a list of them.
/// </summary>
internal static class RowSplit
{
    public static bool IsValidation(ulong rowKey, int seed, float validationFraction)
    {
        if (validationFraction <= 0)
            return false;
        // SplitMix64 finalizer (Steele et al. 2014): a well-mixed 64-bit value, uniform enough for a threshold test.
        ulong z = rowKey + 0x9E3779B97F4A7C15UL * (1 + (ulong)(uint)seed);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53)) < validationFraction;
    }
}
