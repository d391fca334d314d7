using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>SGD with optional (Nesterov) momentum and L2 weight decay, as torch.optim.SGD (no dampening).</summary>
internal sealed class SgdOptimizer : ParameterOptimizer
{
    private readonly double weightDecay, momentum;
    private readonly bool nesterov;
    private readonly Tensor[]? velocity;

    public SgdOptimizer(IEnumerable<Parameter> parameters, double weightDecay, double momentum, bool nesterov) : base(parameters)
    {
        this.weightDecay = weightDecay;
        this.momentum = momentum;
        this.nesterov = nesterov;
        velocity = momentum > 0 ? ZerosLikeParameters() : null;
    }

    protected override IEnumerable<Tensor> StateTensors() => States(velocity);

    protected override void Update(int index, Tensor parameter, Tensor gradient, double learningRate)
    {
        Tensor direction = WithL2(gradient, parameter, weightDecay);
        if (velocity != null)
        {
            Tensor buffer = velocity[index];
            using Scalar mu = (MomentumOverride ?? momentum).ToScalar();
            if (StepCount == 1)
                buffer.copy_(direction); // PyTorch starts the buffer at the first gradient.
            else
                buffer.mul_(mu).add_(direction, TensorOps.One);
            direction = nesterov ? direction.add(buffer, mu) : buffer;
        }
        using Scalar step = (-learningRate).ToScalar();
        parameter.add_(direction, step);
    }
}
