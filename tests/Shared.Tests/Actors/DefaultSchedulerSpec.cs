using System.Diagnostics;
using Dpt.Actors;
using Xunit.Abstractions;

namespace Dpt.Shared.Tests.Actors;

public class DefaultSchedulerSpec(ITestOutputHelper output) : TestKit.TestKit(output)
{
    [Fact]
    public void ScheduleTellOnce_must_send_once_after_the_delay_with_the_given_sender()
    {
        var sender = CreateTestProbe();
        var start = Stopwatch.GetTimestamp();
        var scheduled = Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(50), TestActor, "later", sender.Ref);
        ExpectMsg("later");
        Assert.True(Stopwatch.GetElapsedTime(start) >= TimeSpan.FromMilliseconds(45));
        Assert.Equal(sender.Ref, LastSender);
        Assert.False(scheduled.IsCancellationRequested);
        ExpectNoMsg(TimeSpan.FromMilliseconds(80));
    }

    [Fact]
    public void A_cancelled_ScheduleTellOnce_must_not_send()
    {
        var scheduled = Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(50), TestActor, "never");
        scheduled.Cancel();
        scheduled.Cancel();
        Assert.True(scheduled.IsCancellationRequested);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void ScheduleTellRepeatedly_must_send_until_cancelled()
    {
        var scheduled = Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.Zero, TimeSpan.FromMilliseconds(10), TestActor, "tick");
        ExpectMsgAllOf("tick", "tick", "tick");
        scheduled.Cancel();
        Thread.Sleep(30); // a tick already being sent when cancelling may still arrive
        while (HasMessages) ExpectMsg("tick");
        ExpectNoMsg(TimeSpan.FromMilliseconds(60));
    }

    [Fact]
    public void ScheduleOnce_must_run_the_action()
    {
        using var ran = new ManualResetEventSlim();
        Sys.Scheduler.ScheduleOnce(TimeSpan.FromMilliseconds(10), ran.Set);
        Assert.True(ran.Wait(DefaultTimeout));
    }

    [Fact]
    public void The_scheduler_must_reject_negative_delays_and_non_positive_intervals()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(-1), TestActor, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.Zero, TimeSpan.Zero, TestActor, "x"));
    }

    [Fact]
    public async Task A_terminated_systems_scheduler_must_cancel_pending_work_and_refuse_new_work()
    {
        var system = ActorSystem.Create("scheduler");
        int runs = 0;
        system.Scheduler.ScheduleOnce(TimeSpan.FromMilliseconds(100), () => Interlocked.Increment(ref runs));
        await system.Terminate().WaitAsync(DefaultTimeout);
        Assert.True(system.Scheduler.ScheduleOnce(TimeSpan.Zero, () => Interlocked.Increment(ref runs)).IsCancellationRequested);
        await Task.Delay(150);
        Assert.Equal(0, runs);
    }
}
