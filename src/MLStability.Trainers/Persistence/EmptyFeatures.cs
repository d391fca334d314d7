using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>A view with no rows and only the feature column: enough for the stock estimators of a saved chain to fit.</summary>
internal static class EmptyFeatures
{
    public static IDataView View(MLContext ml, string featureColumn, int featureCount)
    {
        var definition = SchemaDefinition.Create(typeof(FeatureRow));
        definition[0].ColumnName = featureColumn;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return ml.Data.LoadFromEnumerable(Array.Empty<FeatureRow>(), definition);
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
    }
}
