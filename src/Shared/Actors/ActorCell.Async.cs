// ReceiveAsync support: while a handler's task is pending the mailbox takes no user messages,
// its continuations run inside the mailbox, and its completion resumes the mailbox (or fails the
// actor). A generation number makes the leftovers of a stopped or restarted instance harmless.

namespace Dpt.Actors;

internal sealed partial class ActorCell
{
    private ActorSynchronizationContext? _synchronizationContext;
    private int _asyncGeneration;

    /// <summary>Identifies the current incarnation's async work.</summary>
    public int AsyncGeneration => Volatile.Read(ref _asyncGeneration);

    /// <summary>Runs an async handler; see <see cref="ActorBase"/>'s RunTask.</summary>
    public void RunTask(Func<Task> action)
    {
        var context = _synchronizationContext ??= new ActorSynchronizationContext(this);
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        Task task;
        try
        {
            task = action();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
        if (task.IsCompleted)
        {
            task.GetAwaiter().GetResult(); // rethrows, failing the actor like a synchronous handler
            return;
        }
        Mailbox.AwaitingTask = true;
        task.ContinueWith(
            static (completed, state) =>
            {
                var (cell, generation) = ((ActorCell, int))state!;
                cell.Self.SendSystemMessage(new SystemMessages.AsyncTaskCompleted(completed, generation));
            },
            (this, _asyncGeneration),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void RunContinuation(SystemMessages.RunContinuation continuation)
    {
        if (continuation.Generation != _asyncGeneration) return;
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_synchronizationContext);
        try
        {
            continuation.Callback(continuation.State);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private void AsyncTaskCompleted(SystemMessages.AsyncTaskCompleted completed)
    {
        if (completed.Generation != _asyncGeneration) return;
        Mailbox.AwaitingTask = false;
        var task = completed.Task;
        try
        {
            if (task.IsFaulted)
            {
                var errors = task.Exception!.InnerExceptions;
                HandleInvokeFailure(errors.Count == 1 ? errors[0] : task.Exception);
            }
            else if (task.IsCanceled)
            {
                HandleInvokeFailure(new TaskCanceledException(task));
            }
        }
        finally
        {
            _current = default;
        }
    }

    /// <summary>Forgets the pending task of the old instance: its continuations and completion are dropped.</summary>
    private void CancelAsyncTask()
    {
        Interlocked.Increment(ref _asyncGeneration);
        Mailbox.AwaitingTask = false;
    }
}
