// The steps a timeline records: Count steps from First. It bounds what recording costs and what the trace
// file holds, whatever the length of the run.
namespace Dpt.Training.Timeline;

public readonly record struct StepWindow
{
    public StepWindow(long first, int count)
    {
        if (first < 0) throw new ArgumentOutOfRangeException(nameof(first), first, "steps are numbered from 0");
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "a window holds at least one step");
        (First, Count) = (first, count);
    }

    public long First { get; }

    public int Count { get; }

    public long Last => First + Count - 1;

    public bool Contains(long step) => (ulong)(step - First) < (ulong)Count;

    public override string ToString() => Count == 1 ? $"step {First}" : $"steps {First}-{Last}";
}
