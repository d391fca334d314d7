using System.Reflection;

namespace MLStability.Tests;

/// <summary>
/// SchemaShape.Create is internal to ML.NET (pipelines call it inside EstimatorChain.Fit); tests reach it by
/// reflection to call GetOutputSchema directly, the way a chain does before training.
/// </summary>
internal static class Shapes
{
    private static readonly MethodInfo Create = typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic,
        new[] { typeof(DataViewSchema) })!;

    public static SchemaShape Of(DataViewSchema schema) => (SchemaShape)Create.Invoke(null, new object[] { schema })!;
}
