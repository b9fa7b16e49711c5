// TrainingOptions as JSON, in the form a run folder's config.json has (snake_case names, kebab-case enum
// values): the form TrainingConfig carries them in. Checkpoint files and config.json use the same settings.
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dpt.Training.Join;

public static class TrainingOptionsJson
{
    public static readonly JsonSerializerOptions Settings = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static string Serialize(TrainingOptions options) => JsonSerializer.Serialize(options, Settings);

    /// <exception cref="InvalidDataException">The text is not a TrainingOptions object.</exception>
    public static TrainingOptions Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingOptions>(json, Settings) ?? throw new InvalidDataException("training options: JSON null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"training options: {e.Message}", e);
        }
    }
}
