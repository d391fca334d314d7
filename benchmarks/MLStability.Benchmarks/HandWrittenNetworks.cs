using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Benchmarks;

/// <summary>
/// The convolutional and recurrent networks a TorchSharp user writes by hand, layer for layer the networks that the
/// benchmark's StableDeep options describe, so that the two loops do the same arithmetic.
/// </summary>
internal static class HandWrittenNetworks
{
    /// <summary>
    /// A post-norm ResNet for 1 x side x side images: 3x3 stem with batch norm and ReLU, stages of basic blocks (the
    /// first block of each later stage strided, with a 1x1 projection shortcut), global average pooling, linear head.
    /// </summary>
    public static nn.Module<Tensor, Tensor> ResNet(int side, int[] channels, int blocksPerStage, int classes) =>
        new HandResNet(side, channels, blocksPerStage, classes);

    /// <summary>A one-layer LSTM over [steps, features] sequences whose last output feeds a linear head.</summary>
    public static nn.Module<Tensor, Tensor> Lstm(int steps, int features, int hidden, int classes) =>
        new HandLstm(steps, features, hidden, classes);

    /// <summary>
    /// A post-norm Transformer encoder over [steps, features] sequences as a TorchSharp user builds it: a linear
    /// projection of each step plus a learned position, LibTorch's own <c>TransformerEncoderLayer</c>s (post-norm,
    /// ReLU, sequence-first), the mean over steps, a linear head.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Transformer(int steps, int features, int width, int heads, int feedForward, int layers, int classes) =>
        new HandTransformer(steps, features, width, heads, feedForward, layers, classes);

    private sealed class HandTransformer : nn.Module<Tensor, Tensor>
    {
        private readonly Linear projection, head;
        private readonly Parameter position;
        private readonly ModuleList<TransformerEncoderLayer> layers = new();
        private readonly long steps, features;

        public HandTransformer(int steps, int features, int width, int heads, int feedForward, int layers, int classes) : base(nameof(HandTransformer))
        {
            (this.steps, this.features) = (steps, features);
            projection = nn.Linear(features, width);
            position = new Parameter(torch.randn(steps, 1, width) * 0.02);
            for (int i = 0; i < layers; i++)
                this.layers.Add(nn.TransformerEncoderLayer(width, heads, feedForward, dropout: 0));
            head = nn.Linear(width, classes);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            Tensor h = projection.forward(x.view(-1, steps, features).transpose(0, 1)) + position; // [T, N, d]
            foreach (var layer in layers)
                h = layer.forward(h);
            return head.forward(h.mean(new long[] { 0 }));
        }
    }

    private sealed class HandResNet : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential stem;
        private readonly ModuleList<Block> blocks = new();
        private readonly Linear head;
        private readonly long side;

        public HandResNet(int side, int[] channels, int blocksPerStage, int classes) : base(nameof(HandResNet))
        {
            this.side = side;
            stem = nn.Sequential(nn.Conv2d(1, channels[0], 3, padding: 1, bias: false), nn.BatchNorm2d(channels[0]), nn.ReLU());
            long input = channels[0];
            for (int s = 0; s < channels.Length; s++)
            {
                for (int b = 0; b < blocksPerStage; b++)
                {
                    blocks.Add(new Block(input, channels[s], s > 0 && b == 0 ? 2 : 1));
                    input = channels[s];
                }
            }
            head = nn.Linear(input, classes);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            Tensor h = stem.forward(x.view(-1, 1, side, side));
            foreach (var block in blocks)
                h = block.forward(h);
            return head.forward(h.mean(new long[] { 2, 3 }));
        }
    }

    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential branch;
        private readonly Sequential? shortcut;

        public Block(long input, long output, long stride) : base(nameof(Block))
        {
            branch = nn.Sequential(
                nn.Conv2d(input, output, 3, stride: stride, padding: 1, bias: false), nn.BatchNorm2d(output), nn.ReLU(),
                nn.Conv2d(output, output, 3, padding: 1, bias: false), nn.BatchNorm2d(output));
            if (stride != 1 || input != output)
                shortcut = nn.Sequential(nn.Conv2d(input, output, 1, stride: stride, bias: false), nn.BatchNorm2d(output));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) =>
            nn.functional.relu(branch.forward(x) + (shortcut?.forward(x) ?? x));
    }

    private sealed class HandLstm : nn.Module<Tensor, Tensor>
    {
        private readonly LSTM lstm;
        private readonly Linear head;
        private readonly long steps, features;

        public HandLstm(int steps, int features, int hidden, int classes) : base(nameof(HandLstm))
        {
            (this.steps, this.features) = (steps, features);
            lstm = nn.LSTM(features, hidden, batchFirst: true);
            head = nn.Linear(hidden, classes);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var (output, _, _) = lstm.forward(x.view(-1, steps, features), null);
            return head.forward(output.select(1, steps - 1));
        }
    }
}
