// Initial parameters for a model: random weights scaled to the layer's fan-in/fan-out, zero biases.
// One Rng walks the layout's tensors in order, so the result is a pure function of (layout, scheme,
// seed): every worker and the parameter server can create identical parameters without sending them.
using Dpt.Numerics;

namespace Dpt.Model;

/// <summary>How weights are drawn; fan_in = Rows (I) and fan_out = Columns (O) of a weight (I x O).</summary>
public enum InitScheme
{
    /// <summary>Glorot: U(−a, a) with a = √(6 / (fan_in + fan_out)); for sigmoid and tanh layers.</summary>
    XavierUniform,
    /// <summary>Glorot: N(0, σ²) with σ = √(2 / (fan_in + fan_out)).</summary>
    XavierNormal,
    /// <summary>Kaiming: U(−a, a) with a = √(6 / fan_in); for ReLU layers.</summary>
    HeUniform,
    /// <summary>Kaiming: N(0, σ²) with σ = √(2 / fan_in).</summary>
    HeNormal,
}

/// <summary>Fills a flat parameter buffer: every weight tensor from <see cref="InitScheme"/>, every bias 0.</summary>
/// <remarks>Weights are never all equal (let alone all zero): units of one layer that start with identical
/// weights receive identical gradients and stay identical for ever, so the layer would act as one unit.
/// Random weights break that symmetry; biases need no randomness and start at 0.</remarks>
public static class Initializer
{
    /// <summary>A new buffer of <see cref="ParameterLayout.Length"/> floats initialised with <c>new Rng(seed)</c>.</summary>
    public static float[] Create(ParameterLayout layout, InitScheme scheme, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var parameters = layout.Allocate();
        Initialize(parameters, layout, scheme, new Rng(seed));
        return parameters;
    }

    /// <summary>Overwrites <paramref name="parameters"/>: tensors in layout order, each weight's elements in
    /// row-major order drawn from <paramref name="rng"/>, biases set to 0.</summary>
    /// <param name="parameters">The flat buffer, exactly <see cref="ParameterLayout.Length"/> floats.</param>
    public static void Initialize(Span<float> parameters, ParameterLayout layout, InitScheme scheme, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(rng);
        if (!Enum.IsDefined(scheme)) throw UnknownScheme(scheme);
        if (parameters.Length != layout.Length)
            throw new ArgumentException(
                $"{nameof(parameters)} has {parameters.Length} floats but the layout has {layout.Length}", nameof(parameters));

        foreach (var tensor in layout.Tensors)
        {
            var values = tensor.Of(parameters);
            if (tensor.Kind == ParameterKind.Bias)
            {
                values.Clear();
                continue;
            }
            double scale = Scale(scheme, fanIn: tensor.Rows, fanOut: tensor.Columns);
            bool uniform = scheme is InitScheme.XavierUniform or InitScheme.HeUniform;
            for (int i = 0; i < values.Length; i++)
                values[i] = (float)(uniform ? scale * (2 * rng.NextDouble() - 1) : scale * rng.NextGaussian());
        }
    }

    /// <summary>The bound a of a uniform scheme or the standard deviation σ of a normal one.</summary>
    /// <param name="fanIn">Inputs per unit (I), ≥ 1.</param>
    /// <param name="fanOut">Units in the layer (O), ≥ 1.</param>
    public static double Scale(InitScheme scheme, int fanIn, int fanOut)
    {
        if (fanIn < 1) throw new ArgumentOutOfRangeException(nameof(fanIn), fanIn, $"{nameof(fanIn)} must be >= 1; got {fanIn}");
        if (fanOut < 1) throw new ArgumentOutOfRangeException(nameof(fanOut), fanOut, $"{nameof(fanOut)} must be >= 1; got {fanOut}");
        return scheme switch
        {
            InitScheme.XavierUniform => Math.Sqrt(6.0 / ((double)fanIn + fanOut)),
            InitScheme.XavierNormal => Math.Sqrt(2.0 / ((double)fanIn + fanOut)),
            InitScheme.HeUniform => Math.Sqrt(6.0 / fanIn),
            InitScheme.HeNormal => Math.Sqrt(2.0 / fanIn),
            _ => throw UnknownScheme(scheme),
        };
    }

    private static ArgumentOutOfRangeException UnknownScheme(InitScheme scheme) =>
        new(nameof(scheme), scheme, $"{nameof(scheme)} must be one of {string.Join(", ", Enum.GetNames<InitScheme>())}; got {scheme}");
}
