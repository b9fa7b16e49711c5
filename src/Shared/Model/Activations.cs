// Hidden-layer nonlinearities A = g(Z) and their backward dZ = dA ⊙ g'(·), element-wise over a (B, O) matrix.
// Every derivative is written in terms of the output A, so a layer keeps only A (g is applied in place on Z):
// sigmoid' = A(1-A), tanh' = 1-A², ReLU' = [A>0], leaky' = A>0 ? 1 : slope (slope ≥ 0 keeps sign(A) = sign(Z)).
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Dpt.Numerics;

namespace Dpt.Model;

public static class Activations
{
    /// <summary>A = g(Z); <paramref name="z"/> and <paramref name="a"/> may be the same span.</summary>
    public static void Forward(Activation g, ReadOnlySpan<float> z, Span<float> a, float leakySlope)
    {
        switch (g)
        {
            case Activation.Sigmoid:
                TensorPrimitives.Sigmoid(z, a);
                ElementWise.Apply(new FlushBelow(ElementWise.NegligibleProbability), a, a);
                break;
            case Activation.Tanh: TensorPrimitives.Tanh(z, a); break;
            case Activation.Relu: TensorPrimitives.Max(z, 0f, a); break;
            case Activation.LeakyRelu: ElementWise.Apply(new LeakyRelu(leakySlope), z, a); break;
            case Activation.Linear: if (!z.Overlaps(a)) z.CopyTo(a); break;
            default: throw new ArgumentOutOfRangeException(nameof(g), g, "unknown activation");
        }
    }

    /// <summary>dZ = dA ⊙ g'(Z), computed from the forward output A; <paramref name="dA"/> and <paramref name="dZ"/> may be the same span.</summary>
    public static void Backward(Activation g, ReadOnlySpan<float> a, ReadOnlySpan<float> dA, Span<float> dZ, float leakySlope)
    {
        switch (g)
        {
            case Activation.Sigmoid: ElementWise.Apply(new SigmoidGrad(), a, dA, dZ); break;
            case Activation.Tanh: ElementWise.Apply(new TanhGrad(), a, dA, dZ); break;
            case Activation.Relu: ElementWise.Apply(new LeakyReluGrad(0f), a, dA, dZ); break;
            case Activation.LeakyRelu: ElementWise.Apply(new LeakyReluGrad(leakySlope), a, dA, dZ); break;
            case Activation.Linear: if (!dA.Overlaps(dZ)) dA.CopyTo(dZ); break;
            default: throw new ArgumentOutOfRangeException(nameof(g), g, "unknown activation");
        }
    }

    private readonly struct LeakyRelu(float slope) : IUnaryOp
    {
        public float Invoke(float z) => z > 0 ? z : slope * z;
        public Vector512<float> Invoke(Vector512<float> z) => Vector512.Max(z, z * slope);
        public Vector256<float> Invoke(Vector256<float> z) => Vector256.Max(z, z * slope);
        public Vector128<float> Invoke(Vector128<float> z) => Vector128.Max(z, z * slope);
    }

    private readonly struct SigmoidGrad : IBinaryOp
    {
        public float Invoke(float a, float d) => d * a * (1f - a);
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> d) => d * a * (Vector512<float>.One - a);
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> d) => d * a * (Vector256<float>.One - a);
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> d) => d * a * (Vector128<float>.One - a);
    }

    private readonly struct TanhGrad : IBinaryOp
    {
        public float Invoke(float a, float d) => d * (1f - a * a);
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> d) => d * (Vector512<float>.One - a * a);
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> d) => d * (Vector256<float>.One - a * a);
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> d) => d * (Vector128<float>.One - a * a);
    }

    /// <summary>d where A &gt; 0, slope·d elsewhere; slope 0 is ReLU.</summary>
    private readonly struct LeakyReluGrad(float slope) : IBinaryOp
    {
        public float Invoke(float a, float d) => a > 0 ? d : slope * d;
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> d) =>
            Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<float>.Zero), d, d * slope);
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> d) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<float>.Zero), d, d * slope);
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> d) =>
            Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128<float>.Zero), d, d * slope);
    }
}
