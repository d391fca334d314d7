using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// The columns a StableDeep transformer appends to its input (Score and PredictedLabel for a classifier, Score for a
/// regressor, an embedding for a featurizer...), and how each one is read from the row's network outputs.
/// </summary>
internal abstract class PredictionColumns
{
    /// <summary>The input schema plus the appended columns, in order.</summary>
    public abstract DataViewSchema Build(DataViewSchema input);

    /// <summary>The number of appended columns.</summary>
    public abstract int Count { get; }

    /// <summary>
    /// The getter of the appended column <paramref name="offset"/> (0-based among the appended columns), reading the
    /// current row's outputs from <paramref name="outputs"/> (computed at most once per row).
    /// </summary>
    public abstract Delegate CreateGetter(int offset, Func<ReadOnlyMemory<float>> outputs);

    /// <summary>A getter that copies the outputs into a vector.</summary>
    protected static ValueGetter<VBuffer<float>> VectorGetter(Func<ReadOnlyMemory<float>> outputs, int start, int length) =>
        (ref VBuffer<float> value) =>
        {
            var editor = VBufferEditor.Create(ref value, length);
            outputs().Span.Slice(start, length).CopyTo(editor.Values);
            value = editor.Commit();
        };

    /// <summary>A getter of one output value.</summary>
    protected static ValueGetter<float> ScalarGetter(Func<ReadOnlyMemory<float>> outputs, int index) =>
        (ref float value) => value = outputs().Span[index];
}
