using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// A recurrent network for sequences given as flat step-major vectors ([T, F]): stacked
/// <see cref="RecurrentLayer"/>s, pooling over steps (each direction's final state, or the mean), and a linear head.
/// </summary>
internal sealed class RecurrentNetwork : DeepNetwork
{
    private readonly ModuleList<RecurrentLayer> layers = new();
    private readonly RecurrentLayer[] layerArray;
    private readonly Linear head;
    private readonly long steps, features;
    private readonly SequencePoolingKind pooling;
    private readonly WatchedLayer[] watched;

    public RecurrentNetwork(int[] inputShape, int outputSize, DeepNetworkOptions options) : base(nameof(RecurrentNetwork))
    {
        (steps, features) = (inputShape[0], inputShape[1]);
        pooling = options.SequencePooling;
        long width = features;
        for (int i = 0; i < options.RecurrentLayers; i++)
        {
            layers.Add(new RecurrentLayer($"rnn{i}", width, options));
            width = layers[i].OutputSize;
        }
        head = nn.Linear(width, outputSize);
        layerArray = layers.ToArray();
        RegisterComponents();
        watched = layerArray.Select((l, i) => new WatchedLayer($"rnn{i}", () => l.Weight("weight_hh"), l.Probe))
            .Append(new WatchedLayer("head", () => head.weight!)).ToArray();
        WeightInitializer.Apply(this, options);
        if (options.RecurrentCell == RecurrentCellKind.LSTM && options.Initialization != InitializationKind.Default)
            OpenForgetGates();
    }

    /// <summary>The recurrent layers, input to output.</summary>
    public IReadOnlyList<RecurrentLayer> Layers => layerArray;

    /// <summary>Steps per sequence.</summary>
    public long Steps => steps;

    /// <inheritdoc/>
    public override IReadOnlyList<WatchedLayer> WatchedLayers => watched;

    /// <inheritdoc/>
    public override IEnumerable<InitializedWeight> InitializedWeights()
    {
        foreach (var layer in layerArray)
        {
            for (int direction = 0; direction < layer.Directions; direction++)
            {
                yield return new InitializedWeight(layer.Weight("weight_ih", direction), layer.Weight("bias_ih", direction), Gain: 1.0);
                yield return new InitializedWeight(layer.Weight("weight_hh", direction), layer.Weight("bias_hh", direction), WeightRole.Recurrent, Gain: 1.0);
            }
        }
        yield return new InitializedWeight(head.weight!, head.bias, Gain: 1.0);
    }

    /// <summary>
    /// LSTM forget-gate biases start at 1 (Jozefowicz et al. 2015), so the cell state is kept rather than forgotten
    /// at the start of training: gradients then flow across many steps from the first update.
    /// </summary>
    private void OpenForgetGates()
    {
        using var noGrad = torch.no_grad();
        foreach (var layer in layerArray)
        {
            for (int direction = 0; direction < layer.Directions; direction++)
            {
                using var forget = layer.Weight("bias_ih", direction).narrow(0, layer.HiddenSize, layer.HiddenSize);
                forget.fill_(TensorOps.Constant(1));
            }
        }
    }

    /// <inheritdoc/>
    public override Linear Head => head;

    /// <inheritdoc/>
    public override Tensor Embed(Tensor input)
    {
        Tensor sequence = input.view(-1, steps, features);
        foreach (var layer in layerArray)
            sequence = layer.forward(sequence);
        return Pool(sequence);
    }

    public override Tensor forward(Tensor input) => head.forward(Embed(input));

    /// <summary>[N, T, C] to [N, C]: the mean over steps, or each direction's final output.</summary>
    private Tensor Pool(Tensor sequence)
    {
        if (pooling == SequencePoolingKind.Mean)
            return sequence.mean(new long[] { 1 });
        Tensor last = sequence.select(1, steps - 1);
        var final = layerArray[^1];
        if (final.Directions == 1)
            return last;
        // The backward direction ends at step 0, so its final state is there.
        long h = final.HiddenSize;
        return torch.cat(new[] { last.narrow(1, 0, h), sequence.select(1, 0).narrow(1, h, h) }, 1);
    }

    /// <inheritdoc/>
    public override string ExportEmbeddingOnnx(OnnxGraphBuilder graph, string input)
    {
        string sequence = OnnxLayers.Reshape(graph, input, -1, steps, features);
        sequence = graph.Node("Transpose", new[] { sequence }, OnnxAttribute.Ints("perm", 1, 0, 2)); // [T, N, F]
        foreach (var layer in layerArray)
            sequence = layer.ExportOnnx(graph, sequence);
        return ExportPool(graph, sequence);
    }

    private string ExportPool(OnnxGraphBuilder graph, string sequence)
    {
        if (pooling == SequencePoolingKind.Mean)
            return graph.Node("ReduceMean", new[] { sequence }, OnnxAttribute.Ints("axes", 0), OnnxAttribute.Int("keepdims", 0));
        string last = OnnxLayers.Step(graph, sequence, steps - 1);
        var final = layerArray[^1];
        if (final.Directions == 1)
            return last;
        long h = final.HiddenSize;
        string forward = OnnxLayers.Slice(graph, last, axis: 1, start: 0, end: h);
        string backward = OnnxLayers.Slice(graph, OnnxLayers.Step(graph, sequence, 0), axis: 1, start: h, end: 2 * h);
        return graph.Node("Concat", new[] { forward, backward }, OnnxAttribute.Int("axis", 1));
    }
}
