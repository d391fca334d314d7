using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>RMSProp as torch.optim.RMSprop (alpha 0.99, epsilon 1e-8, not centered), with optional momentum.</summary>
internal sealed class RmsPropOptimizer : ParameterOptimizer
{
    private const double Alpha = 0.99, Epsilon = 1e-8;
    private readonly double weightDecay, momentum;
    private readonly Tensor[] squareAverage;
    private readonly Tensor[]? velocity;

    public RmsPropOptimizer(IEnumerable<Parameter> parameters, double weightDecay, double momentum) : base(parameters)
    {
        this.weightDecay = weightDecay;
        this.momentum = momentum;
        squareAverage = ZerosLikeParameters();
        velocity = momentum > 0 ? ZerosLikeParameters() : null;
    }

    protected override IEnumerable<Tensor> StateTensors() => States(squareAverage, velocity);

    protected override void Update(int index, Tensor parameter, Tensor gradient, double learningRate)
    {
        gradient = WithL2(gradient, parameter, weightDecay);
        using Scalar alpha = Alpha.ToScalar(), oneMinusAlpha = (1 - Alpha).ToScalar(), epsilon = Epsilon.ToScalar();
        using Scalar step = (-learningRate).ToScalar();
        Tensor average = squareAverage[index];
        average.mul_(alpha).addcmul_(gradient, gradient, oneMinusAlpha);
        Tensor denominator = average.sqrt().add_(epsilon, TensorOps.One);
        if (velocity != null)
        {
            using Scalar mu = momentum.ToScalar();
            Tensor buffer = velocity[index];
            buffer.mul_(mu).addcdiv_(gradient, denominator);
            parameter.add_(buffer, step);
        }
        else
        {
            parameter.addcdiv_(gradient, denominator, step);
        }
    }
}
