using System.Globalization;

namespace MLStability;

/// <summary>Range checks whose messages name the option, its value and the valid range.</summary>
internal static class OptionChecks
{
    public static void InRange(string owner, string name, int value, int min, int max)
    {
        if (value < min || value > max)
            throw OutOfRange(owner, name, value, max == int.MaxValue ? $"[{min}, +inf)" : $"[{min}, {max}]");
    }

    public static void InHalfOpenRange(string owner, string name, float value, float min, float max)
    {
        if (!(value >= min && value < max))
            throw OutOfRange(owner, name, value, $"[{Format(min)}, {Format(max)})");
    }

    public static void InLeftOpenRange(string owner, string name, float value, float min, float max)
    {
        if (!(value > min && value <= max))
            throw OutOfRange(owner, name, value, $"({Format(min)}, {Format(max)}]");
    }

    public static void InClosedRange(string owner, string name, float value, float min, float max, string maxName)
    {
        if (!(value >= min && value <= max))
            throw OutOfRange(owner, name, value, $"[{Format(min)}, {maxName} = {Format(max)}]");
    }

    public static void Positive(string owner, string name, float value)
    {
        if (!(value > 0) || float.IsInfinity(value))
            throw OutOfRange(owner, name, value, "(0, +inf)");
    }

    /// <summary>0 (off) or a finite value above <paramref name="min"/>.</summary>
    public static void ZeroOrAbove(string owner, string name, float value, float min)
    {
        if (value != 0 && !(value > min && float.IsFinite(value)))
            throw OutOfRange(owner, name, value, $"0 or ({Format(min)}, +inf)");
    }

    public static void Defined<TEnum>(string owner, string name, TEnum value) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw OutOfRange(owner, name, value, "one of " + string.Join(", ", Enum.GetNames<TEnum>()));
    }

    private static ArgumentOutOfRangeException OutOfRange(string owner, string name, object value, string range) =>
        new(name, value, $"{owner}.{name} must be in {range}; got {Format(value)}.");

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null";
}
