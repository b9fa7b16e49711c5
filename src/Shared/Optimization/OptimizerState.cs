// An optimizer's per-parameter state (velocity, or Adam's two moments): buffers that mirror the flat
// parameter layout, allocated once, addressed by the same ranges as the parameters, and exported to
// / imported from float arrays for checkpoints. The step counter is not here; see UpdateStep.
namespace Dpt.Optimization;

/// <summary>Zero or more float buffers of <see cref="ParameterCount"/> each, one per state slot of the
/// optimizer that created it. Disjoint ranges may be updated concurrently; nothing else is thread-safe.</summary>
public sealed class OptimizerState
{
    private readonly float[][] _slots;
    private readonly string[] _slotNames;

    internal OptimizerState(OptimizerKind kind, string[] slotNames, int parameterCount)
    {
        Guard.AtLeast(parameterCount, 0, nameof(parameterCount));
        Kind = kind;
        ParameterCount = parameterCount;
        _slotNames = slotNames;
        _slots = new float[slotNames.Length][];
        for (int i = 0; i < _slots.Length; i++) _slots[i] = new float[parameterCount];
    }

    /// <summary>The kind of optimizer this state belongs to; an optimizer refuses another kind's state.</summary>
    public OptimizerKind Kind { get; }

    /// <summary>Length of every slot: the number of parameters in the model.</summary>
    public int ParameterCount { get; }

    /// <summary>Slot names in export order: none for SGD, "velocity" for momentum and Nesterov, "m" and "v" for Adam.</summary>
    public IReadOnlyList<string> SlotNames => _slotNames;

    /// <summary>The [offset, offset + count) part of slot <paramref name="slot"/>; callers have checked the range.</summary>
    internal Span<float> Slot(int slot, int offset, int count) => _slots[slot].AsSpan(offset, count);

    /// <summary>Copies every slot, in <see cref="SlotNames"/> order, for a checkpoint.</summary>
    public float[][] Export()
    {
        var copy = new float[_slots.Length][];
        for (int i = 0; i < _slots.Length; i++) copy[i] = (float[])_slots[i].Clone();
        return copy;
    }

    /// <summary>Overwrites every slot with a checkpoint's arrays, given in <see cref="SlotNames"/> order;
    /// together with the parameters and the step index this resumes training bit for bit.</summary>
    public void Import(IReadOnlyList<float[]> slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        if (slots.Count != _slots.Length)
            throw new ArgumentException(
                $"{nameof(slots)} has {slots.Count} arrays but {Kind} state has {_slots.Length} ({string.Join(", ", _slotNames)})", nameof(slots));
        for (int i = 0; i < slots.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(slots[i], $"{nameof(slots)}[{i}]");
            if (slots[i].Length != ParameterCount)
                throw new ArgumentException(
                    $"{nameof(slots)}[{i}] ('{_slotNames[i]}') has {slots[i].Length} floats; it must have {ParameterCount}", nameof(slots));
        }
        for (int i = 0; i < slots.Count; i++) slots[i].AsSpan().CopyTo(_slots[i]);
    }

    public override string ToString() =>
        $"{Kind} state: {(_slotNames.Length == 0 ? "no slots" : string.Join(", ", _slotNames))} x {ParameterCount} floats";
}
