namespace MLStability;

/// <summary>The family of network that StableDeep trains.</summary>
public enum NetworkKind
{
    /// <summary>A multilayer perceptron over the feature vector (hidden layers from HiddenLayers / HiddenSize).</summary>
    Mlp,
    /// <summary>
    /// A convolutional residual network over images given as a flat vector in CHW order (InputShape = [C, H, W]):
    /// stem, stages of basic residual blocks, global average pooling, linear head.
    /// </summary>
    ResNet,
    /// <summary>A recurrent network over sequences given as a flat vector (InputShape = [T, F]: T steps of F features).</summary>
    Recurrent,
}
