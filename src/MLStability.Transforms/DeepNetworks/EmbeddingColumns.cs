using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Trainers;

namespace MLStability.Transforms;

/// <summary>One appended vector column of <paramref name="size"/> values: a network's embedding.</summary>
internal sealed class EmbeddingColumns(string name, int size) : PredictionColumns
{
    public override int Count => 1;

    public override DataViewSchema Build(DataViewSchema input)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(name, new VectorDataViewType(NumberDataViewType.Single, size));
        return builder.ToSchema();
    }

    public override Delegate CreateGetter(int offset, Func<ReadOnlyMemory<float>> outputs) => VectorGetter(outputs, 0, size);
}

/// <summary>An autoencoder's columns: the embedding (a vector) and the reconstruction error (a Single).</summary>
internal sealed class AutoencoderColumns(string embeddingName, string errorName, int embeddingSize) : PredictionColumns
{
    public override int Count => 2;

    public override DataViewSchema Build(DataViewSchema input)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(embeddingName, new VectorDataViewType(NumberDataViewType.Single, embeddingSize));
        builder.AddColumn(errorName, NumberDataViewType.Single);
        return builder.ToSchema();
    }

    public override Delegate CreateGetter(int offset, Func<ReadOnlyMemory<float>> outputs) =>
        offset == 0 ? VectorGetter(outputs, 0, embeddingSize) : ScalarGetter(outputs, embeddingSize);
}
