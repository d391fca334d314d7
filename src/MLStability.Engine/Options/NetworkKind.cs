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
    /// <summary>
    /// A Transformer encoder: tokens, then blocks of multi-head self-attention and an MLP with residual connections
    /// and normalization (<see cref="DeepNetworkOptions.NormalizationPlacement"/>), mean pooling over tokens, linear
    /// head. Sequences (InputShape = [T, F]) become one token per step (a linear projection of its features plus a
    /// learned positional encoding); tables (InputShape null or [D]) one token per feature, as in FT-Transformer
    /// (Gorishniy et al. 2021): feature j's value times a learned vector plus a learned bias.
    /// </summary>
    Transformer,
}
