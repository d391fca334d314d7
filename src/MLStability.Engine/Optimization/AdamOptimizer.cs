using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>Adam (L2 weight decay) or AdamW (decoupled weight decay), betas (0.9, 0.999), epsilon 1e-8.</summary>
internal sealed class AdamOptimizer : ParameterOptimizer
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private readonly double weightDecay;
    private readonly bool decoupled;
    private readonly Tensor[] firstMoment, secondMoment;

    public AdamOptimizer(IEnumerable<Parameter> parameters, double weightDecay, bool decoupledWeightDecay) : base(parameters)
    {
        this.weightDecay = weightDecay;
        decoupled = decoupledWeightDecay;
        firstMoment = ZerosLikeParameters();
        secondMoment = ZerosLikeParameters();
    }

    protected override IEnumerable<Tensor> StateTensors() => States(firstMoment, secondMoment);

    protected override void Update(int index, Tensor parameter, Tensor gradient, double learningRate)
    {
        if (decoupled && weightDecay > 0)
        {
            using Scalar shrink = (1 - learningRate * weightDecay).ToScalar();
            parameter.mul_(shrink);
        }
        else
        {
            gradient = WithL2(gradient, parameter, weightDecay);
        }
        double firstBeta = MomentumOverride ?? Beta1; // PyTorch corrects with the current beta1 when it is cycled
        double correction1 = 1 - Math.Pow(firstBeta, StepCount);
        double correction2 = 1 - Math.Pow(Beta2, StepCount);
        using Scalar beta1 = firstBeta.ToScalar(), oneMinusBeta1 = (1 - firstBeta).ToScalar();
        using Scalar beta2 = Beta2.ToScalar(), oneMinusBeta2 = (1 - Beta2).ToScalar();
        using Scalar rootCorrection2 = Math.Sqrt(correction2).ToScalar(), epsilon = Epsilon.ToScalar();
        using Scalar step = (-learningRate / correction1).ToScalar();

        Tensor m = firstMoment[index], v = secondMoment[index];
        m.mul_(beta1).add_(gradient, oneMinusBeta1);
        v.mul_(beta2).addcmul_(gradient, gradient, oneMinusBeta2);
        Tensor denominator = v.sqrt().div_(rootCorrection2).add_(epsilon, TensorOps.One);
        parameter.addcdiv_(m, denominator, step);
    }
}
