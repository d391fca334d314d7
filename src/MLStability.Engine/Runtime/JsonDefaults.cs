using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLStability;

/// <summary>
/// The JSON settings of everything MLStability writes (reports, checkpoints, ONNX metadata): enums as names, and
/// NaN/infinity allowed because gradient statistics can hold them.
/// </summary>
internal static class JsonDefaults
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
