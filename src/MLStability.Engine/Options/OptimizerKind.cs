namespace MLStability;

/// <summary>The update rule applied to the parameters after each mini-batch.</summary>
public enum OptimizerKind
{
    /// <summary>Plain stochastic gradient descent.</summary>
    Sgd,
    /// <summary>SGD with (optionally Nesterov) momentum; see <see cref="DeepNetworkOptions.Momentum"/> and <see cref="DeepNetworkOptions.Nesterov"/>.</summary>
    Momentum,
    /// <summary>Adam; weight decay is added to the gradient (L2 regularization).</summary>
    Adam,
    /// <summary>AdamW: Adam with decoupled weight decay.</summary>
    AdamW,
    /// <summary>RMSProp (with optional momentum).</summary>
    RmsProp,
}
