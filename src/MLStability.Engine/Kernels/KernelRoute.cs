namespace MLStability;

/// <summary>
/// The verdict of the kernel self-check for one shape class of one operation family: which implementation the
/// network uses, and the measured error of LibTorch's own kernel against a float64 reference.
/// </summary>
/// <param name="Family">The operation family ("Convolution", "Recurrent inference", "Recurrent training", "Linear",
/// "LayerNorm", "BatchNorm", "GroupNorm", "Activation").</param>
/// <param name="Shape">The shape class, e.g. "1->16 channels, 3x3, stride 1" or "LSTM 2->5, unidirectional".</param>
/// <param name="Route">The implementation in use: "Library" (LibTorch's kernel) or a workaround ("Unfold",
/// "Composed").</param>
/// <param name="LibraryError">LibTorch's largest relative error against the reference (outputs and gradients);
/// NaN when the library kernel was not checked (forced routes).</param>
/// <param name="RouteError">The chosen route's largest relative error against the reference.</param>
/// <param name="AllowedError">The error allowed: 1e-3, or ten times what the reference formula itself loses in float32
/// for ill-conditioned shapes.</param>
/// <param name="DetectedAtStep">Null when the verdict came from the check before training; otherwise the training step
/// whose gradient audit found LibTorch's kernel wrong on the real batch (the step was recomputed on the route).</param>
public sealed record KernelRoute(string Family, string Shape, string Route, double LibraryError, double RouteError, double AllowedError,
    long? DetectedAtStep = null)
{
    /// <summary>True when the network does not use LibTorch's own kernel for this shape class.</summary>
    public bool IsRouted => Route != KernelSelfCheck.LibraryRoute;

    /// <summary>One line for logs and reports.</summary>
    public override string ToString() => IsRouted
        ? $"{Family} [{Shape}]: routed to {Route} (LibTorch's kernel is off by {KernelSelfCheck.Format(LibraryError)}" +
          (DetectedAtStep is long step ? $" in training step {step}'s gradient audit" : "") +
          $", {Route} by {KernelSelfCheck.Format(RouteError)}; relative, allowed {KernelSelfCheck.Format(AllowedError)})"
        : $"{Family} [{Shape}]: LibTorch's kernel (off by {KernelSelfCheck.Format(LibraryError)})";
}
