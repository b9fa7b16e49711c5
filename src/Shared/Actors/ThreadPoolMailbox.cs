// The "default" dispatcher's mailbox: runs on the .NET thread pool, a throughput of messages per
// turn, then yields the thread so that many actors share few threads fairly.

namespace Dpt.Actors;

/// <summary>A mailbox run by thread-pool work items; the mailbox is its own work item, so
/// scheduling a run allocates nothing.</summary>
internal sealed class ThreadPoolMailbox(ActorCell cell, int throughput) : Mailbox(cell, throughput), IThreadPoolWorkItem
{
    protected override void RequestRun() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    void IThreadPoolWorkItem.Execute() => Run();
}
