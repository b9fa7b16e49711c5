// What a data set's examples are to be predicted as: a class label, or real-valued targets.
namespace Dpt.Data;

/// <summary>The learning task a <see cref="Dataset"/> carries answers for.</summary>
public enum DatasetTask
{
    /// <summary>Each example has one integer class label in [0, ClassCount); pairs with softmax cross-entropy.</summary>
    Classification,

    /// <summary>Each example has TargetCount real-valued targets (regression, or multi-label 0/1 targets).</summary>
    Regression,
}
