// Validation of actor and actor-system names, so that every name can appear in a path that
// parses back to the same elements (no '/', no '#', no whitespace).

namespace Dpt.Actors;

/// <summary>Checks names given to actors and actor systems.</summary>
internal static class ActorName
{
    /// <summary>Throws <see cref="InvalidActorNameException"/> unless <paramref name="name"/> may name a
    /// user-created actor: non-empty, not starting with '$' (reserved for generated names), and made of
    /// letters, digits and the URI-safe characters <c>-_.*+:@&amp;=,!~';$</c>.</summary>
    public static void ValidateUserName(string? name)
    {
        if (string.IsNullOrEmpty(name))
            throw new InvalidActorNameException("actor name must not be null or empty");
        if (name[0] == '$')
            throw new InvalidActorNameException($"actor name [{name}] must not start with '$': names starting with '$' are reserved for generated names");
        ValidateCharacters(name);
    }

    /// <summary>Checks the characters of a name, generated or user-given.</summary>
    public static void ValidateCharacters(string name)
    {
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (!IsValidElementChar(c))
            {
                string which = c == '/' ? "'/' (it separates path elements)" : char.IsWhiteSpace(c) ? "whitespace" : $"'{c}'";
                throw new InvalidActorNameException($"actor name [{name}] contains {which} at position {i}; use letters, digits and -_.*+:@&=,!~';$");
            }
        }
    }

    /// <summary>True when <paramref name="c"/> may appear in a path element.</summary>
    public static bool IsValidElementChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '*' or '+' or ':' or '@' or '&' or '=' or ',' or '!' or '~' or '\'' or ';' or '$';

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is a valid actor
    /// system name: an ASCII letter or digit followed by letters, digits, '-' or '_'.</summary>
    public static void ValidateSystemName(string? name, string parameterName)
    {
        if (string.IsNullOrEmpty(name)
            || !char.IsAsciiLetterOrDigit(name[0])
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"actor system name [{name}] must start with an ASCII letter or digit and contain only ASCII letters, digits, '-' and '_'", parameterName);
    }

    /// <summary>The generated name number <paramref name="n"/>: "$a", "$b", ..., "$z", "$ba", ... (base 26, like Akka).</summary>
    public static string Generated(long n)
    {
        Span<char> buffer = stackalloc char[16];
        int i = buffer.Length;
        do
        {
            buffer[--i] = (char)('a' + (int)(n % 26));
            n /= 26;
        } while (n > 0);
        buffer[--i] = '$';
        return new string(buffer[i..]);
    }
}
