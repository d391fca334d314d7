using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// Group normalization of [N, C] or [N, C, ...] with a per-channel scale (starting at 1) and shift (starting at 0).
/// TorchSharp 0.107's nn.GroupNorm leaves its scale and shift uninitialized (values like 1e24 were measured), so the
/// module is built here on LibTorch's functional group_norm; it also accepts [N, C] rows, which LibTorch's rejects.
/// </summary>
internal sealed class GroupNormalization : nn.Module<Tensor, Tensor>
{
    public const double Epsilon = 1e-5;
    private readonly Parameter weight, bias;

    public GroupNormalization(long groups, long channels) : base(nameof(GroupNormalization))
    {
        Groups = groups;
        weight = new Parameter(torch.ones(channels));
        bias = new Parameter(torch.zeros(channels));
        RegisterComponents();
    }

    public long Groups { get; }

    /// <summary>The per-channel scale (gamma).</summary>
    public Parameter Weight => weight;

    /// <summary>The per-channel shift (beta).</summary>
    public Parameter Bias => bias;

    public override Tensor forward(Tensor input) => input.dim() == 2
        ? nn.functional.group_norm(input.unsqueeze(-1), Groups, weight, bias, Epsilon).squeeze(-1)
        : nn.functional.group_norm(input, Groups, weight, bias, Epsilon);
}
