// Optimizer state as a checkpoint sees it: export/import resumes bit for bit, and bad imports are refused.
using Dpt.Model;
using Dpt.Numerics;
using Dpt.Optimization;

namespace Dpt.Shared.Tests.Optimization;

public class OptimizerStateSpec
{
    public static TheoryData<OptimizerKind> Kinds() => OptimizerSpec.Kinds();

    [Theory, MemberData(nameof(Kinds))]
    public void Export_and_import_must_resume_with_bit_identical_updates(OptimizerKind kind)
    {
        var layout = new MlpSpec([12, 9, 3], Activation.Relu, OutputLoss.SoftmaxCrossEntropy).CreateLayout();
        var gradients = Enumerable.Range(0, 10).Select(t => ScalarReference.RandomValues(new Rng(51, (ulong)t), layout.Length)).ToArray();
        var optimizer = OptimizerSpec.Create(kind);
        var w = Initializer.Create(layout, InitScheme.HeNormal, seed: 5);
        var state = optimizer.CreateState(layout.Length);
        void Train(Optimizer o, float[] parameters, OptimizerState s, int from, int to)
        {
            for (int t = from; t < to; t++)
                o.UpdateRange(layout, parameters, gradients[t], s, 0, layout.Length, new UpdateStep(t, 0.01f, 0.5f));
        }

        Train(optimizer, w, state, 0, 5);
        // The checkpoint: parameters, state slots and the step index (5).
        var (savedW, savedSlots) = ((float[])w.Clone(), state.Export());
        Train(optimizer, w, state, 5, 10);

        var resumedOptimizer = optimizer.Options.Create();
        var resumedState = resumedOptimizer.CreateState(layout.Length);
        resumedState.Import(savedSlots);
        Train(resumedOptimizer, savedW, resumedState, 5, 10);

        Assert.Equal(w, savedW);
        var (a, b) = (state.Export(), resumedState.Export());
        Assert.Equal(a.Length, b.Length);
        for (int s = 0; s < a.Length; s++) Assert.Equal(a[s], b[s]);
    }

    [Fact]
    public void Export_must_copy_so_later_updates_do_not_change_a_checkpoint()
    {
        var optimizer = new MomentumOptimizer();
        var state = optimizer.CreateState(3);
        var exported = state.Export();
        optimizer.Update(new float[3], [1f, 2f, 3f], state, 0, 3, 0f, new UpdateStep(0, 0.1f, 1f));
        Assert.Equal([0f, 0f, 0f], exported[0]);
        Assert.Equal([1f, 2f, 3f], state.Export()[0]);
    }

    [Fact]
    public void Import_must_refuse_the_wrong_number_or_length_of_slots()
    {
        var state = new AdamOptimizer().CreateState(4);
        var count = Assert.Throws<ArgumentException>(() => state.Import([new float[4]]));
        Assert.Contains("has 1 arrays but Adam state has 2 (m, v)", count.Message);
        var length = Assert.Throws<ArgumentException>(() => state.Import([new float[4], new float[5]]));
        Assert.Contains("slots[1] ('v') has 5 floats; it must have 4", length.Message);
        Assert.Throws<ArgumentNullException>(() => state.Import([new float[4], null!]));
    }

    [Fact]
    public void CreateState_must_refuse_a_negative_parameter_count()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AdamOptimizer().CreateState(-1));
        Assert.StartsWith("parameterCount must be >= 0; got -1", error.Message);
    }

    [Fact]
    public void Sgd_state_must_have_no_slots_and_still_round_trip()
    {
        var state = new SgdOptimizer().CreateState(10);
        Assert.Empty(state.Export());
        state.Import([]);
        Assert.Equal("Sgd state: no slots x 10 floats", state.ToString());
    }
}
