using System.Reflection;
using Microsoft.ML;

namespace MLStability.Trainers;

/// <summary>
/// Creates <see cref="TrainerInfo"/>s. ML.NET 5 keeps TrainerInfo's constructor to its own assemblies (it is public in
/// the API documentation but internal in the package), so a trainer outside ML.NET cannot describe itself honestly
/// without calling it through reflection. The call is checked once: if a later ML.NET changes the constructor, the
/// first trainer created says so, and <c>TrainerInfoTests</c> fails.
/// </summary>
internal static class TrainerInfoFactory
{
    private static readonly ConstructorInfo? Constructor = typeof(TrainerInfo).GetConstructor(
        BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Enumerable.Repeat(typeof(bool), 6).ToArray());

    public static TrainerInfo Create(bool normalization, bool calibration, bool caching, bool supportValid, bool supportIncrementalTrain, bool supportTest)
    {
        if (Constructor is null)
            throw new InvalidOperationException("This version of Microsoft.ML has no TrainerInfo(bool x 6) constructor; MLStability " +
                                                "was built against Microsoft.ML 5.0.");
        return (TrainerInfo)Constructor.Invoke(new object[] { normalization, calibration, caching, supportValid, supportIncrementalTrain, supportTest });
    }
}
