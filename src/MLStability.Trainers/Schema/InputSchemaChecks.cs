using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// Checks the label and feature columns, on schema shapes (before training) and on schemas (at Fit and Transform),
/// with messages that name the column, what was expected, what was found, and the usual fix.
/// </summary>
internal static class InputSchemaChecks
{
    private const string Trainer = "StableDeep";

    public static void CheckFeatures(SchemaShape schema, string column)
    {
        var shape = Find(schema, column) ?? throw Missing("feature", column, schema.Select(c => c.Name));
        if (shape.Kind != SchemaShape.Column.VectorKind.Vector || shape.ItemType != NumberDataViewType.Single)
            throw WrongFeatureType(column, Describe(shape));
    }

    public static void CheckLabel(SchemaShape schema, string column)
    {
        var shape = Find(schema, column) ?? throw Missing("label", column, schema.Select(c => c.Name));
        if (!shape.IsKey || shape.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw WrongLabelType(column, Describe(shape));
    }

    /// <summary>Checks a scalar label of <paramref name="type"/> (Single for regression, Boolean for binary classification).</summary>
    public static void CheckScalarLabel(SchemaShape schema, string column, DataViewType type, string task)
    {
        var shape = Find(schema, column) ?? throw Missing("label", column, schema.Select(c => c.Name));
        if (shape.IsKey || shape.Kind != SchemaShape.Column.VectorKind.Scalar || !type.Equals(shape.ItemType))
            throw WrongScalarLabel(column, Describe(shape), type, task);
    }

    /// <inheritdoc cref="CheckScalarLabel(SchemaShape, string, DataViewType, string)"/>
    public static void CheckScalarLabel(DataViewSchema schema, string column, DataViewType type, string task)
    {
        var found = schema.GetColumnOrNull(column) ?? throw Missing("label", column, schema.Select(c => c.Name));
        if (!type.Equals(found.Type))
            throw WrongScalarLabel(column, found.Type.ToString() ?? "unknown", type, task);
    }

    private static ArgumentOutOfRangeException WrongScalarLabel(string column, string found, DataViewType type, string task) =>
        new(nameof(column),
            $"{Trainer}: the label column '{column}' must be {type} for {task}, but it is {found}." +
            (type == BooleanDataViewType.Instance
                ? $" Map the label to true/false first, e.g. with mlContext.Transforms.Expression(\"{column}\", \"x => x == 1\", \"{column}\")."
                : $" Convert it with mlContext.Transforms.Conversion.ConvertType(\"{column}\", outputKind: DataKind.Single)."));

    /// <summary>Returns the feature vector's size; <paramref name="expectedSize"/> is the size the model was trained on.</summary>
    public static int CheckFeatures(DataViewSchema schema, string column, int? expectedSize = null)
    {
        var found = schema.GetColumnOrNull(column) ?? throw Missing("feature", column, schema.Select(c => c.Name));
        if (found.Type is not VectorDataViewType { ItemType: NumberDataViewType, IsKnownSize: true } vector
            || vector.ItemType != NumberDataViewType.Single)
            throw WrongFeatureType(column, found.Type.ToString() ?? "unknown");
        if (expectedSize is int size && vector.Size != size)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"{Trainer}: the feature column '{column}' has {vector.Size} values per row, but the model was " +
                $"trained on {size}. Score with the same featurization as in training.");
        return vector.Size;
    }

    public static KeyDataViewType CheckLabel(DataViewSchema schema, string column)
    {
        var found = schema.GetColumnOrNull(column) ?? throw Missing("label", column, schema.Select(c => c.Name));
        if (found.Type is not KeyDataViewType key)
            throw WrongLabelType(column, found.Type.ToString() ?? "unknown");
        if (key.Count < 2)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"{Trainer}: the label column '{column}' has {key.Count} class(es); classification needs at least 2.");
        if (key.Count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"{Trainer}: the label column '{column}' has {key.Count} classes; at most {int.MaxValue} are supported.");
        return key;
    }

    private static SchemaShape.Column? Find(SchemaShape schema, string column) =>
        schema.Where(c => c.Name == column).Select(c => (SchemaShape.Column?)c).LastOrDefault();

    private static ArgumentOutOfRangeException Missing(string role, string column, IEnumerable<string> available) =>
        new(nameof(column),
            $"{Trainer}: the {role} column '{column}' was not found. Available columns: {string.Join(", ", available.Distinct())}.");

    private static ArgumentOutOfRangeException WrongFeatureType(string column, string found) =>
        new(nameof(column),
            $"{Trainer}: the feature column '{column}' must be a known-size vector of Single, but it is {found}. " +
            "Use mlContext.Transforms.Concatenate over Single columns, or mlContext.Transforms.Conversion.ConvertType " +
            "to Single; give variable-size vectors a fixed size first.");

    private static ArgumentOutOfRangeException WrongLabelType(string column, string found) =>
        new(nameof(column),
            $"{Trainer}: the label column '{column}' must be a key type, but it is {found}. Add " +
            $"mlContext.Transforms.Conversion.MapValueToKey(\"{column}\") before the trainer.");

    private static string Describe(SchemaShape.Column shape)
    {
        string item = shape.ItemType?.ToString() ?? "unknown";
        if (shape.IsKey)
            item = "Key<" + item + ">";
        return shape.Kind switch
        {
            SchemaShape.Column.VectorKind.Vector => $"a known-size vector of {item}",
            SchemaShape.Column.VectorKind.VariableVector => $"a variable-size vector of {item}",
            _ => item,
        };
    }
}
