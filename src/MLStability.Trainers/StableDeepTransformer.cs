using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// A fitted StableDeep classifier. <see cref="Transform"/> adds <c>Score</c> (class probabilities) and
/// <c>PredictedLabel</c> lazily; find it in a fitted pipeline with <c>model.OfType&lt;StableDeepTransformer&gt;()</c>.
/// </summary>
public sealed class StableDeepTransformer : ITransformer
{
    private readonly TrainedClassifier model;
    private readonly ClassLabels classes;

    internal StableDeepTransformer(TrainedClassifier model, string featureColumnName, ClassLabels classes)
    {
        this.model = model;
        this.classes = classes;
        FeatureColumnName = featureColumnName;
    }

    /// <summary>The feature column the model reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>The number of features per row the model was trained on.</summary>
    public int FeatureCount => model.FeatureCount;

    /// <summary>The class names, in the order of the Score vector's slots.</summary>
    public IReadOnlyList<string> ClassNames => classes.Names;

    /// <summary>What each training epoch reported.</summary>
    public IReadOnlyList<EpochProgress> TrainingHistory => model.History;

    /// <summary>The device the network runs on, e.g. "cpu" or "cuda:0".</summary>
    public string Device => model.Device.ToString();

    /// <summary>Always true: every output row depends only on its input row.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus Score and PredictedLabel; checks the feature column.</summary>
    /// <param name="inputSchema">The schema of the data to score.</param>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputSchemaChecks.CheckFeatures(inputSchema, FeatureColumnName, model.FeatureCount);
        return MulticlassOutputSchema.Build(inputSchema, classes);
    }

    /// <summary>Returns a lazy view that scores rows as they are read (in batches for sequential cursors).</summary>
    /// <param name="input">The data to score; it needs the feature column only.</param>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var schema = GetOutputSchema(input.Schema);
        return new ScoringDataView(input, input.Schema[FeatureColumnName], model, schema);
    }

    /// <summary>A row mapper for <c>PredictionEngine</c>.</summary>
    /// <param name="inputSchema">The schema of the rows to score.</param>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        var schema = GetOutputSchema(inputSchema);
        return new ScoringRowMapper(inputSchema, schema, inputSchema[FeatureColumnName], model);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException(
            "StableDeepTransformer cannot be saved with mlContext.Model.Save yet: ML.NET keeps its model format " +
            "internal, and the ONNX-based save route is not implemented in this version. Keep the fitted model in " +
            "memory, or retrain from the saved options.");
}
