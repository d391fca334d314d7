namespace MLStability;

/// <summary>
/// The linear model that the final fit adds to the MLP (<see cref="Networks.MlpNetwork.AddLinearShortcut"/>): its
/// options, and the stacking weights and offsets fitted in the cross-validation.
/// </summary>
internal sealed record LinearShortcut(DeepNetworkOptions LinearOptions, double LinearWeight, double NetworkWeight, float[] Offsets);
