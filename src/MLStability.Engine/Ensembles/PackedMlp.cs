using MLStability.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Ensembles;

/// <summary>
/// K MLPs of one architecture as one module, so that one optimizer step trains them all: every parameter is the
/// members' parameters stacked along a new first axis ([K, ...]), every linear layer one batched matrix product, and
/// the input holds each member's own rows ([K, B, F] to [K, B, outputs]). Small tables train networks whose steps cost
/// per-operation dispatch, not arithmetic: K members packed cost about one member's time instead of K (packed
/// ensembles: Laurent et al., ICLR 2023; TabM: Gorishniy et al., ICLR 2025, who pack MLP members the same way).
/// The members are plain <see cref="MlpNetwork"/>s built and initialized as any fit builds them; <see cref="Unpack"/>
/// copies the trained values back into them, so scoring, saving and ONNX export never see the packing.
/// </summary>
internal sealed class PackedMlp : nn.Module<Tensor, Tensor>
{
    private readonly MlpNetwork[] members;
    private readonly List<(Parameter Packed, Func<MlpNetwork, Tensor> Of)> slots = new();
    private readonly (Parameter Frequencies, Parameter Weight, Parameter Bias)? embedding;
    private readonly PackedBlock[] blocks;
    private readonly (Parameter Weight, Parameter Bias)? finalNorm;
    private readonly Parameter headWeight, headBias;
    private readonly nn.Module<Tensor, Tensor> activation;
    private readonly nn.Module<Tensor, Tensor>? dropout;
    private readonly bool preNorm, residual;

    /// <param name="members">Untrained or trained MLPs built from <paramref name="options"/> for the same inputs and outputs.</param>
    /// <param name="options">The options the members were built from (their activation, dropout, normalization and shortcuts).</param>
    public PackedMlp(IReadOnlyList<MlpNetwork> members, DeepNetworkOptions options) : base(nameof(PackedMlp))
    {
        if (Unsupported(options) is string reason)
            throw new ArgumentException($"These options cannot be packed: {reason}.", nameof(options));
        this.members = members.ToArray();
        var first = this.members[0];
        if (first.Embedding is not null)
            embedding = (Stack(m => m.Embedding!.Frequencies), Stack(m => m.Embedding!.Weight), Stack(m => m.Embedding!.Bias));
        blocks = first.Blocks.Select((block, i) => new PackedBlock(
            Stack(m => m.Blocks[i].Linear.weight!), Stack(m => m.Blocks[i].Linear.bias!),
            block.Norm is null ? null : (Stack(m => ((LayerNorm)m.Blocks[i].Norm!).weight!), Stack(m => ((LayerNorm)m.Blocks[i].Norm!).bias!)),
            block.Projection is null ? null : Stack(m => m.Blocks[i].Projection!.weight!),
            block.BranchScale is null ? null : Stack(m => m.Blocks[i].BranchScale!))).ToArray();
        if (first.FinalNorm is not null)
            finalNorm = (Stack(m => ((LayerNorm)m.FinalNorm!).weight!), Stack(m => ((LayerNorm)m.FinalNorm!).bias!));
        headWeight = Stack(m => m.Head.weight!);
        headBias = Stack(m => m.Head.bias!);
        activation = Activations.Create(options.Activation, options.LeakyReLUSlope);
        dropout = Activations.Dropout(options.Activation, options.Dropout);
        preNorm = options.PreNormalization;
        residual = options.ResidualConnections;
        for (int i = 0; i < slots.Count; i++)
            register_parameter($"p{i}", slots[i].Packed);
        register_module("activation", activation);
        if (dropout is not null)
            register_module("dropout", dropout);
    }

    /// <summary>Why MLPs of <paramref name="options"/> cannot be packed, or null when they can.</summary>
    public static string? Unsupported(DeepNetworkOptions options) =>
        options.Network != NetworkKind.Mlp ? $"Network = {options.Network}"
        : options.EffectiveNormalization is not (NormalizationKind.None or NormalizationKind.LayerNorm) ? $"Normalization = {options.EffectiveNormalization}"
        : null;

    /// <summary>The members, in packing order.</summary>
    public IReadOnlyList<MlpNetwork> Members => members;

    /// <summary>Each packed parameter [K, ...] with the member tensor each of its slices belongs to.</summary>
    public IReadOnlyList<(Parameter Packed, Func<MlpNetwork, Tensor> Of)> Slots => slots;

    /// <summary>Outputs [K, B, outputs] of rows [K, B, features]: member k sees only its own rows input[k].</summary>
    public override Tensor forward(Tensor input)
    {
        Tensor hidden = embedding is { } e ? Embed(input, e.Frequencies, e.Weight, e.Bias) : input;
        foreach (var block in blocks)
            hidden = Block(block, hidden);
        if (finalNorm is { } norm)
            hidden = LayerNorm(hidden, norm.Weight, norm.Bias);
        return Linear(hidden, headWeight, headBias);
    }

    /// <summary>Copies every packed parameter's slice k into member k.</summary>
    public void Unpack()
    {
        using var noGrad = torch.no_grad();
        foreach (var (packed, of) in slots)
        {
            for (int k = 0; k < members.Length; k++)
                of(members[k]).copy_(packed[k]);
        }
    }

    private Parameter Stack(Func<MlpNetwork, Tensor> of)
    {
        Parameter packed;
        using (torch.no_grad())
            packed = new Parameter(torch.stack(members.Select(m => of(m).detach()).ToArray()));
        slots.Add((packed, of));
        return packed;
    }

    /// <summary><see cref="HiddenBlock.forward"/>, per member.</summary>
    private Tensor Block(PackedBlock block, Tensor input)
    {
        Tensor output = Linear(preNorm && block.Norm is { } pre ? LayerNorm(input, pre.Weight, pre.Bias) : input, block.Weight, block.Bias);
        if (!preNorm && block.Norm is { } post)
            output = LayerNorm(output, post.Weight, post.Bias);
        output = activation.forward(output);
        if (dropout is not null)
            output = dropout.forward(output);
        if (!residual)
            return output;
        if (block.BranchScale is Parameter scale)
            output = output * scale.unsqueeze(1);
        return output + (block.Projection is Parameter projection ? torch.bmm(input, projection.transpose(1, 2)) : input);
    }

    /// <summary>Rows [K, B, in] through weights [K, out, in] and biases [K, out].</summary>
    private static Tensor Linear(Tensor input, Tensor weight, Tensor bias) => torch.bmm(input, weight.transpose(1, 2)) + bias.unsqueeze(1);

    /// <summary>nn.LayerNorm's computation (its default epsilon) with each member's scale and shift [K, width].</summary>
    private static Tensor LayerNorm(Tensor input, Tensor weight, Tensor bias) =>
        nn.functional.layer_norm(input, new[] { input.shape[^1] }, eps: 1e-5) * weight.unsqueeze(1) + bias.unsqueeze(1);

    /// <summary><see cref="PeriodicEmbedding.forward"/>, per member: rows [K, B, F] to [K, B, F x width].</summary>
    private static Tensor Embed(Tensor input, Tensor frequencies, Tensor weight, Tensor bias)
    {
        Tensor angles = input.unsqueeze(-1) * (frequencies * (2 * Math.PI)).unsqueeze(1);           // [K, B, F, C]
        Tensor periodic = torch.cat(new[] { angles.cos(), angles.sin() }, -1);                       // [K, B, F, 2C]
        Tensor mapped = torch.matmul(periodic.transpose(1, 2), weight).transpose(1, 2) + bias.unsqueeze(1); // [K, B, F, width]
        return mapped.relu().flatten(2);
    }

    /// <summary>One hidden layer's packed parameters.</summary>
    private sealed record PackedBlock(Parameter Weight, Parameter Bias, (Parameter Weight, Parameter Bias)? Norm, Parameter? Projection,
        Parameter? BranchScale);
}
