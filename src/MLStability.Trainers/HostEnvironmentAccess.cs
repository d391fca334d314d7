using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLStability.Trainers;

/// <summary>
/// Finds the MLContext's environment behind a catalog, for its seed and its log.
/// </summary>
/// <remarks>
/// ML.NET 5 exposes a catalog's environment only through the internal interface IInternalCatalog, so a third-party
/// trainer reads it by reflection. If a future ML.NET moves it, the trainer falls back to a fresh environment: fits
/// then need <see cref="DeepNetworkOptions.Seed"/> for determinism and log only to the Progress callback.
/// </remarks>
internal static class HostEnvironmentAccess
{
    public static IHostEnvironment From(object catalog)
    {
        PropertyInfo? environment = catalog.GetType().GetInterfaces()
            .FirstOrDefault(i => i.FullName == "Microsoft.ML.Data.IInternalCatalog")
            ?.GetProperty("Environment");
        return environment?.GetValue(catalog) as IHostEnvironment ?? new MLContext();
    }
}
