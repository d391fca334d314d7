namespace MLStability.Networks;

/// <summary>Builds the network that <see cref="DeepNetworkOptions.Network"/> names, initialized as the options say.</summary>
internal static class NetworkFactory
{
    /// <param name="inputSize">The flat feature vector's size (already checked against InputShape by the trainer).</param>
    /// <param name="outputSize">Outputs: classes, or regression targets.</param>
    /// <param name="options">Validated options.</param>
    public static DeepNetwork Create(int inputSize, int outputSize, DeepNetworkOptions options) => options.Network switch
    {
        NetworkKind.ResNet => new ResNetNetwork(options.InputShape!, outputSize, options),
        NetworkKind.Recurrent => new RecurrentNetwork(options.InputShape!, outputSize, options),
        NetworkKind.Transformer => new TransformerNetwork(inputSize, outputSize, options),
        _ => new MlpNetwork(inputSize, outputSize, options),
    };

    /// <summary>A one-line description for the training log.</summary>
    public static string Describe(DeepNetworkOptions options) => options.Network switch
    {
        NetworkKind.ResNet => $"a ResNet with stages [{string.Join(", ", options.ResNetChannels)}] x {options.ResNetBlocksPerStage} " +
                              $"block(s){(options.ResidualConnections ? "" : " (plain, no shortcuts)")} over images [{string.Join(", ", options.InputShape!)}]",
        NetworkKind.Recurrent => $"a {options.RecurrentLayers}-layer {(options.Bidirectional ? "bidirectional " : "")}{options.RecurrentCell} " +
                                 $"network of {options.RecurrentHiddenSize} units over sequences [{string.Join(", ", options.InputShape!)}]",
        NetworkKind.Transformer => $"a {options.TransformerLayers}-block {options.EffectiveNormalizationPlacement} Transformer of width {options.ModelWidth} " +
                                   $"({options.AttentionHeads} heads, MLP {options.EffectiveFeedForwardWidth}) over " +
                                   (options.InputShape is { Length: 2 } shape ? $"sequences [{shape[0]}, {shape[1]}]" : "the features as tokens"),
        _ => $"an MLP with hidden layers [{string.Join(", ", options.ResolveHiddenLayerSizes())}]" +
             (options.HasPeriodicEmbedding
                 ? $" over a periodic embedding of each feature ({options.PeriodicEmbeddingFrequencies} frequencies at scale {options.PeriodicEmbeddingScale}, {options.PeriodicEmbeddingWidth} numbers)"
                 : ""),
    };
}
