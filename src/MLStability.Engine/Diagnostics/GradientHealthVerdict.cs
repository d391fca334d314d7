namespace MLStability;

/// <summary>The diagnosis of an epoch or a run; see <see cref="TrainingReport"/> for the rules.</summary>
public enum GradientHealthVerdict
{
    /// <summary>No rule fired.</summary>
    Healthy,
    /// <summary>The first layer's gradient norm is at most 1e-3 of the last layer's (or below 1e-8).</summary>
    Vanishing,
    /// <summary>A layer's gradient norm exceeds 1e3, or the first layer's is more than 1e3 times the last layer's.</summary>
    Exploding,
    /// <summary>Non-finite gradient values were seen, or training failed on a non-finite loss or gradient.</summary>
    NonFinite,
    /// <summary>More than half of the sigmoid/tanh units are saturated (output within 0.01 of a bound).</summary>
    SaturatedUnits,
    /// <summary>More than half of the ReLU-family units are dead (no positive output for any row of a batch).</summary>
    DeadUnits,
    /// <summary>
    /// A Transformer block's attention has collapsed: its rows' mean entropy is below a tenth of log(tokens), each
    /// query attending to about one key (entropy collapse, Zhai et al. 2023, which precedes divergence).
    /// </summary>
    AttentionCollapse,
}
