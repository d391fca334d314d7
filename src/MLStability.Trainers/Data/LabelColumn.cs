using Microsoft.ML;

namespace MLStability.Trainers;

/// <summary>
/// How a task reads and checks its label column, the same in memory and streaming: a reader per cursor that gives
/// the row's target (null: a missing label, the row is skipped), the check that the labels can be learned at all,
/// and the shape of the targets the engine trains on.
/// </summary>
internal sealed class LabelColumn
{
    private readonly Func<DataViewRowCursor, DataViewSchema.Column, Func<float?>> createReader;
    private readonly Action<IReadOnlySet<float>> checkDistinct;

    private LabelColumn(string name, int outputCount, TrainingObjective objective, Func<DataViewRowCursor, DataViewSchema.Column, Func<float?>> createReader,
        Action<IReadOnlySet<float>> checkDistinct)
    {
        Name = name;
        OutputCount = outputCount;
        Objective = objective;
        this.createReader = createReader;
        this.checkDistinct = checkDistinct;
    }

    public string Name { get; }

    /// <summary>Network outputs: the class count, or 1.</summary>
    public int OutputCount { get; }

    public TrainingObjective Objective { get; }

    /// <summary>A reader of the label of <paramref name="cursor"/>'s current row; null for a missing label.</summary>
    public Func<float?> CreateReader(DataViewRowCursor cursor, DataViewSchema schema) => createReader(cursor, schema[Name]);

    /// <summary>
    /// Throws when the labels that occur cannot be learned (a single class). <paramref name="distinct"/> needs to hold
    /// at most two of them: <see cref="AddDistinct"/> collects that many.
    /// </summary>
    public void CheckDistinct(IReadOnlySet<float> distinct) => checkDistinct(distinct);

    /// <summary>Adds <paramref name="value"/> to a set that stops growing at two values (all the checks need).</summary>
    public static void AddDistinct(HashSet<float> distinct, float value)
    {
        if (distinct.Count < 2)
            distinct.Add(value);
    }

    /// <summary>A key-typed label of <paramref name="classCount"/> classes; key 0 (missing) and keys beyond the count are skipped, as ML.NET trainers skip them.</summary>
    public static LabelColumn Classes(string name, int classCount) => new(name, classCount, TrainingObjective.CrossEntropy,
        (cursor, label) =>
        {
            var readKey = LabelReader.Create(cursor, label);
            return () => readKey() is ulong key && key != 0 && key <= (ulong)classCount ? key - 1 : null;
        },
        distinct =>
        {
            if (distinct.Count < 2)
                throw new ArgumentException(
                    $"StableDeep: the label column '{name}' holds only {distinct.Count} class in the training data; " +
                    "classification needs at least 2.", "data");
        });

    /// <summary>A Single label; rows with a NaN label are skipped, infinite labels are an error.</summary>
    public static LabelColumn Regression(string name, TrainingObjective objective) => new(name, 1, objective,
        (cursor, label) =>
        {
            var getter = cursor.GetGetter<float>(label);
            float value = 0;
            return () =>
            {
                getter(ref value);
                if (float.IsInfinity(value))
                    throw new InvalidOperationException(
                        $"StableDeep: the label column '{name}' holds {(value > 0 ? "∞" : "-∞")} at row {cursor.Position}; labels must be finite.");
                return float.IsNaN(value) ? null : value;
            };
        },
        _ => { });

    /// <summary>A Boolean label as 0/1 targets; both classes must occur.</summary>
    public static LabelColumn Binary(string name, TrainingObjective objective) => new(name, 1, objective,
        (cursor, label) =>
        {
            var getter = cursor.GetGetter<bool>(label);
            bool value = false;
            return () =>
            {
                getter(ref value);
                return value ? 1 : 0;
            };
        },
        distinct =>
        {
            if (distinct.Count < 2)
                throw new ArgumentException(
                    $"StableDeep: the label column '{name}' is {(distinct.Contains(1) ? "true" : "false")} in every training row; " +
                    "binary classification needs both classes.", "data");
        });
}
