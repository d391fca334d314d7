using System.Globalization;
using System.Text.Json;

namespace MLStability.Trainers;

/// <summary>
/// The metadata stored in an exported ONNX model (ModelProto.metadata_props), readable by any ONNX tool.
/// </summary>
public static class OnnxMetadata
{
    /// <summary>Version of MLStability's ONNX layout; readers reject models with a newer one.</summary>
    public const int FormatVersion = 1;

    /// <summary>Key of <see cref="FormatVersion"/>.</summary>
    public const string FormatVersionKey = "mlstability.format_version";

    /// <summary>Key of the class labels, a JSON array of strings in Score-slot order (multiclass models only).</summary>
    public const string ClassLabelsKey = "mlstability.class_labels";

    /// <summary>Key of the feature column name and size, as JSON.</summary>
    public const string InputKey = "mlstability.input";

    /// <summary>Key of the training summary: the options and each epoch's progress, as JSON.</summary>
    public const string TrainingSummaryKey = "mlstability.training_summary";

    /// <summary>Key of the gradient-health <see cref="TrainingReport"/>, as JSON (<see cref="TrainingReport.ToJson"/>).</summary>
    public const string TrainingReportKey = "mlstability.training_report";

    private static JsonSerializerOptions Json => JsonDefaults.Options;

    internal static Dictionary<string, string> For(string featureColumn, int featureCount, DeepNetworkOptions options,
        IReadOnlyList<EpochProgress> history, TrainingReport report) => new()
    {
        [FormatVersionKey] = FormatVersion.ToString(CultureInfo.InvariantCulture),
        [InputKey] = JsonSerializer.Serialize(new { column = featureColumn, size = featureCount }),
        [TrainingSummaryKey] = JsonSerializer.Serialize(new { options = (object)options, epochs = history }, Json), // object: the derived options too
        [TrainingReportKey] = report.ToJson(),
    };
}
