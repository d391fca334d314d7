namespace MLStability;

/// <summary>How a <see cref="NetworkKind.Recurrent"/> network turns its output sequence into one vector for the head.</summary>
public enum SequencePoolingKind
{
    /// <summary>
    /// Each direction's final state: the output at the last step (and, when bidirectional, the backward direction's
    /// output at the first step).
    /// </summary>
    Last,
    /// <summary>The mean of the outputs over all steps.</summary>
    Mean,
}
