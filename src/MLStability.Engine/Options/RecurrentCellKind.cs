namespace MLStability;

/// <summary>The cell of each layer of a <see cref="NetworkKind.Recurrent"/> network.</summary>
public enum RecurrentCellKind
{
    /// <summary>Elman RNN, h' = tanh(W x + U h + b): the classic case of gradients vanishing through time.</summary>
    Vanilla,
    /// <summary>Long short-term memory: gated cell state with an additive path through time.</summary>
    LSTM,
    /// <summary>Gated recurrent unit: gated interpolation between the old and the new state.</summary>
    GRU,
}
