using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLStability.Trainers;

/// <summary>
/// The stock ML.NET chain that a StableDeep transformer saves itself as. ML.NET keeps its model format internal, but
/// a transformer may delegate <c>ICanSaveModel.Save</c> to stock transformers, and <c>mlContext.Model.Load</c> then
/// returns those: the zip loads in applications that reference only Microsoft.ML, Microsoft.ML.OnnxTransformer and
/// ONNX Runtime.
/// </summary>
/// <remarks>
/// OnnxTransformer can only produce vector columns (a [N] output becomes a vector of size 1, and its scalar-output
/// path fails on tensors), while PredictedLabel must be a scalar key with the label's KeyValues. The chain gets there
/// with stock transforms only:
/// <list type="number">
/// <item>OnnxTransformer: Features -> Score (probabilities) and the predicted class index (a 1-slot vector);</item>
/// <item>Hash with <c>combine</c>: the 1-slot vector -> a scalar hash (distinct for the K indices, checked here);</item>
/// <item>ConvertType to UInt32, then MapValue: hash -> class value (typed like the label's key values);</item>
/// <item>MapValueToKey with the classes as key data: PredictedLabel, a key with the same KeyValues as before saving;</item>
/// <item>DropColumns of the intermediate columns.</item>
/// </list>
/// </remarks>
internal static class OnnxScoringChain
{
    /// <summary>The ONNX output holding the predicted class index; intermediate.</summary>
    public const string PredictedIndexColumn = "StableDeep.PredictedIndex";
    private const string HashKeyColumn = "StableDeep.PredictedHashKey";
    private const string HashColumn = "StableDeep.PredictedHash";
    private const string ClassValueColumn = "StableDeep.PredictedValue";

    public static ITransformer Build(byte[] onnxModel, string featureColumn, int featureCount, ClassLabels classes)
    {
        var ml = new MLContext();
        var (hashing, hashes) = DistinctHashing(ml, classes.Count);
        var chain = OnnxStep.Apply(ml, onnxModel, featureColumn, MulticlassOutputSchema.ScoreColumnName, PredictedIndexColumn)
            .Append(hashing)
            .Append(ml.Transforms.Conversion.ConvertType(HashColumn, HashKeyColumn, DataKind.UInt32))
            .Append(classes.MapHashToValue(ml, hashes, ClassValueColumn, HashColumn))
            .Append(ml.Transforms.Conversion.MapValueToKey(MulticlassOutputSchema.PredictedLabelColumnName, ClassValueColumn,
                keyData: classes.KeyData(ml)))
            .Append(ml.Transforms.DropColumns(PredictedIndexColumn, HashKeyColumn, HashColumn, ClassValueColumn));
        return chain.Fit(EmptyFeatures.View(ml, featureColumn, featureCount));
    }

    /// <summary>A hashing estimator whose hashes of the class indices 0..K-1 are distinct, and those hashes.</summary>
    private static (HashingEstimator Hashing, uint[] Hashes) DistinctHashing(MLContext ml, int classCount)
    {
        var indices = IndexView(ml, classCount);
        for (uint seed = 314489979; ; seed++)
        {
            var hashing = ml.Transforms.Conversion.Hash(
                new HashingEstimator.ColumnOptions(HashKeyColumn, PredictedIndexColumn, numberOfBits: 31, seed: seed, combine: true));
            uint[] hashes = hashing.Append(ml.Transforms.Conversion.ConvertType(HashColumn, HashKeyColumn, DataKind.UInt32))
                .Fit(indices).Transform(indices)
                .GetColumn<uint>(HashColumn).ToArray();
            if (hashes.Distinct().Count() == classCount)
                return (hashing, hashes);
        }
    }

    /// <summary>The class indices 0..K-1, each as the 1-slot int64 vector OnnxTransformer produces.</summary>
    private static IDataView IndexView(MLContext ml, int classCount)
    {
        var definition = SchemaDefinition.Create(typeof(IndexRow));
        definition[0].ColumnName = PredictedIndexColumn;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Int64, 1);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, classCount).Select(i => new IndexRow { Index = new long[] { i } }), definition);
    }

    private sealed class IndexRow
    {
        public long[] Index { get; set; } = Array.Empty<long>();
    }
}
