using System.Globalization;

namespace MLStability.Trainers;

/// <summary>The task a StableDeep trainer learns, for the options that only one task uses.</summary>
internal enum StableDeepTask
{
    Multiclass,
    Binary,
    Regression,
}

/// <summary>
/// Rejects a task-specific option set on a trainer of another task (a Huber loss on a classifier, a positive-class
/// weight on a regressor), which would otherwise be ignored without a word.
/// </summary>
internal static class TaskOptionChecks
{
    public static void Check(StableDeepOptions options, StableDeepTask task)
    {
        var defaults = new StableDeepOptions();
        if (task != StableDeepTask.Regression)
        {
            Reject(options.RegressionLoss != defaults.RegressionLoss, nameof(StableDeepOptions.RegressionLoss), options.RegressionLoss, defaults.RegressionLoss, "the regression", task);
            Reject(options.HuberDelta != defaults.HuberDelta, nameof(StableDeepOptions.HuberDelta), options.HuberDelta, defaults.HuberDelta, "the regression", task);
        }
        if (task != StableDeepTask.Binary)
            Reject(options.PositiveClassWeight != defaults.PositiveClassWeight, nameof(StableDeepOptions.PositiveClassWeight), options.PositiveClassWeight, defaults.PositiveClassWeight, "the binary", task);
    }

    private static void Reject(bool isSet, string option, object value, object defaultValue, string owner, StableDeepTask task)
    {
        if (isSet)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{nameof(StableDeepOptions)}.{option} = {value} applies to {owner} trainer only; the {Describe(task)} trainer does " +
                $"not use it. Leave it at its default ({defaultValue})."), option);
    }

    private static string Describe(StableDeepTask task) => task switch
    {
        StableDeepTask.Multiclass => "multiclass",
        StableDeepTask.Binary => "binary",
        _ => "regression",
    };
}
