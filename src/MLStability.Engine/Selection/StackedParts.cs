namespace MLStability;

/// <summary>
/// What the final fit adds to the network it trains with the selected options, as the cross-validation measured it:
/// <see cref="NetworkMembers"/> − 1 further MLPs from the next seeds (<see cref="Networks.MlpNetwork.AddMembers"/>),
/// trained with <see cref="MemberOptions"/>, and the weighted linear model, when both models were kept.
/// </summary>
/// <param name="MemberOptions">The further members' options (the MLP candidate's), or null when there are none.</param>
/// <param name="NetworkMembers">The MLPs averaged, the trained one included; 1 for none added.</param>
/// <param name="Shortcut">The linear model to add with its weights, or null.</param>
internal sealed record StackedParts(DeepNetworkOptions? MemberOptions, int NetworkMembers, LinearShortcut? Shortcut);
