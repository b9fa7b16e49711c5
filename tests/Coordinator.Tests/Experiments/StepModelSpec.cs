// The step model's formulas and shape: ring all-reduce's traffic, the single parameter server becoming bound by
// its link as workers are added, the sharded server in between, steps that never get shorter as weak scaling
// adds workers, and the straggler distributions' expected maxima against closed forms.
using Dpt.Coordinator.Experiments;

namespace Dpt.Coordinator.Tests.Experiments;

public sealed class StepModelSpec
{
    private const int P = Simulation.ReferenceParameters;
    private static readonly Network TenGbit = new(1.25e9, 50e-6);

    private static StepCosts Costs(double message = 10e-6, double step = 30e-6, StragglerDistribution? straggler = null) =>
        new(18e-6, 1.23e-9, 0.25e-9, step, message, straggler ?? new StragglerDistribution(StragglerKind.Lognormal, 0.1));

    private static readonly int[] Counts = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(1000)]
    public void Ring_allreduce_must_send_2_N_minus_1_over_N_of_a_gradient_per_worker_and_pay_2_N_minus_1_hops(int n)
    {
        var bandwidthOnly = new StepModel(Costs(message: 0, step: 0), new Network(1e9, 0), P);
        var latencyOnly = new StepModel(Costs(message: 0, step: 0), new Network(double.PositiveInfinity, 1e-3), P);

        Assert.Equal(2.0 * (n - 1) / n * 4 * P / 1e9 * 1e3, bandwidthOnly.Step(Design.RingAllReduce, n, 64).CommunicationMs, 9);
        Assert.Equal(2.0 * (n - 1) * 1e-3 * 1e3, latencyOnly.Step(Design.RingAllReduce, n, 64).CommunicationMs, 9);
    }

    [Fact]
    public void One_worker_in_a_ring_must_not_communicate()
    {
        var model = new StepModel(Costs(step: 0), TenGbit, P);
        Assert.Equal(0, model.Step(Design.RingAllReduce, 1, 128).CommunicationMs);
    }

    [Fact]
    public void Single_parameter_server_must_become_bound_by_its_link_as_workers_are_added()
    {
        var model = new StepModel(Costs(), TenGbit, P);
        var small = model.Step(Design.SinglePs, 2, 128);
        var large = model.Step(Design.SinglePs, 1024, 128);

        Assert.True(large.CommunicationMs / large.StepMs > 0.9, $"communication {large.CommunicationMs} of {large.StepMs} ms");
        // Its link carries N gradients in and N parameter sets out: each doubling of N adds 2·N·S/BW.
        double perDoubling = 2 * 512 * 4.0 * P / 1.25e9 * 1e3;
        Assert.Equal(perDoubling, large.CommunicationMs - model.Step(Design.SinglePs, 512, 128).CommunicationMs, perDoubling * 0.02);
        Assert.True(small.CommunicationMs < large.CommunicationMs / 100);
        // Throughput levels off at the link's rate: samples per step over two link transfers per worker.
        double ceiling = 128 / (2 * 4.0 * P / 1.25e9);
        Assert.InRange(1024 * 128 / (large.StepMs / 1e3), ceiling * 0.9, ceiling);
    }

    [Fact]
    public void Sharded_parameter_server_must_lie_between_the_single_server_and_perfect_scaling()
    {
        var model = new StepModel(Costs(), TenGbit, P);
        foreach (int n in Counts.Where(n => n >= 32))
        {
            double single = model.Step(Design.SinglePs, n, 128).StepMs;
            double sharded = model.Step(Design.ShardedPs, n, 128, shards: 16).StepMs;
            double ideal = model.Step(Design.ShardedPs, 1, 128, shards: 1).ComputeMs;
            Assert.True(ideal < sharded && sharded < single, $"{n} workers: ideal {ideal}, sharded {sharded}, single {single} ms");
        }
        // With one shard it is the single server.
        Assert.Equal(model.Step(Design.SinglePs, 64, 128), model.Step(Design.ShardedPs, 64, 128, shards: 1));
    }

    [Theory]
    [InlineData(Design.SinglePs)]
    [InlineData(Design.ShardedPs)]
    [InlineData(Design.RingAllReduce)]
    public void Under_weak_scaling_a_step_must_never_get_shorter_and_throughput_never_fall_as_workers_are_added(Design design)
    {
        var model = new StepModel(Costs(), TenGbit, P);
        var steps = Counts.Select(n => model.Step(design, n, 128, shards: 16).StepMs).ToArray();
        for (int i = 1; i < steps.Length; i++)
        {
            Assert.True(steps[i] >= steps[i - 1], $"{design}: {Counts[i]} workers {steps[i]} ms < {Counts[i - 1]} workers {steps[i - 1]} ms");
            Assert.True(Counts[i] / steps[i] >= Counts[i - 1] / steps[i - 1] * 0.999, $"{design}: throughput fell at {Counts[i]} workers");
        }
    }

    [Fact]
    public void Under_strong_scaling_compute_per_worker_must_shrink_with_the_workers()
    {
        var model = new StepModel(Costs(), TenGbit, P);
        Assert.Equal(model.Step(Design.RingAllReduce, 1, 256).ComputeMs / 4, model.Step(Design.RingAllReduce, 4, 64).ComputeMs, 9);
    }

    [Fact]
    public void Exponential_tail_must_give_the_harmonic_number_for_the_expected_maximum()
    {
        var d = new StragglerDistribution(StragglerKind.Exponential, 0.2);
        Assert.Equal(1, d.ExpectedMaxFactor(1));
        Assert.Equal(0.8 + 0.2 * (1 + 1 / 2.0 + 1 / 3.0), d.ExpectedMaxFactor(3), 12);
    }

    [Fact]
    public void Lognormal_must_match_the_closed_form_for_two_workers_and_grow_with_more()
    {
        // E[max(X1, X2)] = 2·E[X]·Φ(σ/√2) for iid log-normals; Φ(0.5/√2) = 0.6381631.
        var d = new StragglerDistribution(StragglerKind.Lognormal, 0.5);
        Assert.Equal(2 * 0.6381631, d.ExpectedMaxFactor(2), 3);
        var factors = Counts.Select(d.ExpectedMaxFactor).ToArray();
        for (int i = 1; i < factors.Length; i++) Assert.True(factors[i] > factors[i - 1]);
        Assert.Equal(1, StragglerDistribution.None.ExpectedMaxFactor(1024));
    }

    [Theory]
    [InlineData(StragglerKind.Lognormal, 0.07)]
    [InlineData(StragglerKind.Exponential, 0.3)]
    public void Fitted_must_invert_the_expected_straggler_share(StragglerKind kind, double spread)
    {
        var d = new StragglerDistribution(kind, spread);
        double share = d.ExpectedMaxFactor(2) - 1;
        Assert.Equal(spread, new StragglerDistribution(kind, 0).Fitted(2, share).Spread, 4);
    }

    [Fact]
    public void Calibration_must_recover_the_costs_of_runs_the_model_itself_produced()
    {
        var truth = new StepCosts(20e-6, 1.5e-9, 0.25e-9, 40e-6, 7e-6, new StragglerDistribution(StragglerKind.Lognormal, 0.08));
        var model = new StepModel(truth, Network.InProcess, P);
        var runs = new[] { 1, 2 }.Select(n => new Measurement(n, n, 128, model.Step(Design.ShardedPs, n, 128.0 / n, n))).ToList();

        var fit = Calibration.Fit(runs, truth with { ComputeSecondsPerSample = 1e-6, MessageOverheadSeconds = 0, Straggler = new(StragglerKind.Lognormal, 0.5) }, P);

        Assert.Equal(20e-6, fit.Costs.ComputeSecondsPerSample, 9);
        Assert.Equal(1.5e-9, fit.Costs.OptimizerSecondsPerParameter, 12);
        Assert.Equal(40e-6, fit.Costs.StepOverheadSeconds, 9);
        Assert.Equal(7e-6, fit.Costs.MessageOverheadSeconds, 9);
        Assert.Equal(0.08, fit.Costs.Straggler.Spread, 4);
        Assert.All(fit.Checks, c => Assert.InRange(c.RelativeError, -1e-6, 1e-6));
    }
}
