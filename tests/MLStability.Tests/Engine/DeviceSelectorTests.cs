using TorchSharp;

namespace MLStability.Tests.Engine;

[TestClass]
public sealed class DeviceSelectorTests
{
    [TestMethod]
    public void AutoPicksCudaWhenTorchSharpReportsIt()
    {
        Assert.AreEqual(DeviceType.CUDA, DeviceSelector.Resolve("auto", () => true, () => 1).type);
        Assert.AreEqual(DeviceType.CPU, DeviceSelector.Resolve("auto", () => false, () => 0).type);
    }

    [TestMethod]
    public void ExplicitDevicesAreHonoured()
    {
        Assert.AreEqual(DeviceType.CPU, DeviceSelector.Resolve("CPU", () => true, () => 2).type);
        var second = DeviceSelector.Resolve("cuda:1", () => true, () => 2);
        Assert.AreEqual(DeviceType.CUDA, second.type);
        Assert.AreEqual(1, second.index);
    }

    [TestMethod]
    public void UnavailableCudaIsAClearError()
    {
        var none = Assert.Throws<InvalidOperationException>(() => DeviceSelector.Resolve("cuda", () => false, () => 0));
        StringAssert.Contains(none.Message, "TorchSharp-cuda-linux");
        var missing = Assert.Throws<InvalidOperationException>(() => DeviceSelector.Resolve("cuda:1", () => true, () => 1));
        StringAssert.Contains(missing.Message, "valid: cuda:0 to cuda:0");
    }

    [TestMethod]
    public void ThisMachineResolvesAutoToWhatTorchSharpReports()
    {
        var device = DeviceSelector.Resolve("auto");
        Assert.AreEqual(torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, device.type);
    }
}
