using System.Diagnostics;
using System.Reflection;
using MLStability.CheckpointWorker;

namespace MLStability.Tests.Trainers;

/// <summary>Checkpoints and resume: a run killed hard mid-epoch resumes and ends bit-identical to an uninterrupted run.</summary>
[TestClass]
public sealed class CheckpointTests
{
    private static string TempDirectory() =>
        Path.Combine(Path.GetTempPath(), "mlstability-tests", "checkpoints-" + Guid.NewGuid().ToString("N"));

    private static float[] Scores(StableDeepTransformer model, IDataView test) => TestData.Scores(model.Transform(test)).SelectMany(s => s).ToArray();

    [TestMethod]
    public void ARunKilledMidEpochResumesBitIdentically()
    {
        var (reference, test) = CheckpointScenario.Train(TestData.MnistDirectory, CheckpointScenario.Options(null));
        float[] expected = Scores(reference, test);

        string directory = TempDirectory();
        int lastReported = RunWorkerAndKillDuringEpoch(directory, killAfterEpoch: 3);

        var (resumed, _) = CheckpointScenario.Train(TestData.MnistDirectory, CheckpointScenario.Options(directory));
        int resumedAfter = resumed.TrainingReport.ResumedAfterEpoch ?? 0;
        Assert.IsTrue(resumedAfter >= lastReported - 1 && resumedAfter >= 1,
            $"the worker reported epoch {lastReported} but training resumed after epoch {resumedAfter}: more than one epoch lost");
        Assert.AreEqual(CheckpointScenario.Epochs, resumed.TrainingHistory.Count, "the history covers every epoch");
        CollectionAssert.AreEqual(expected, Scores(resumed, test), "resumed and uninterrupted runs must match bit for bit");
    }

    [TestMethod]
    public void ACompletedCheckpointReturnsTheSameModelWithoutTraining()
    {
        string directory = TempDirectory();
        var (first, test) = CheckpointScenario.Train(TestData.MnistDirectory, CheckpointScenario.Options(directory));
        var (again, _) = CheckpointScenario.Train(TestData.MnistDirectory, CheckpointScenario.Options(directory));
        Assert.AreEqual(CheckpointScenario.Epochs, again.TrainingReport.ResumedAfterEpoch);
        CollectionAssert.AreEqual(Scores(first, test), Scores(again, test));
    }

    [TestMethod]
    public void AMismatchedCheckpointIsAnError()
    {
        var (options, _) = TrainOneCheckpointedEpoch();
        options.HiddenSize = 128;
        var error = Assert.Throws<InvalidOperationException>(() => CheckpointScenario.Train(TestData.MnistDirectory, options));
        StringAssert.Contains(error.Message, "was written by a different training setup");
    }

    [TestMethod]
    public void ACorruptedCheckpointIsAnError()
    {
        var (options, directory) = TrainOneCheckpointedEpoch();
        string file = Directory.GetFiles(directory).Single();
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..1000]);
        var error = Assert.Throws<InvalidDataException>(() => CheckpointScenario.Train(TestData.MnistDirectory, options));
        StringAssert.Contains(error.Message, "is corrupted");
    }

    [TestMethod]
    public void AnUnwritableCheckpointDirectoryFailsBeforeTraining()
    {
        string blocker = Path.Combine(TempDirectory() + "-file");
        Directory.CreateDirectory(Path.GetDirectoryName(blocker)!);
        File.WriteAllText(blocker, "a file where the directory should be");
        var options = CheckpointScenario.Options(Path.Combine(blocker, "checkpoints"));
        var error = Assert.Throws<InvalidOperationException>(() => CheckpointScenario.Train(TestData.MnistDirectory, options));
        StringAssert.Contains(error.Message, "cannot be written");
    }

    /// <summary>Trains one epoch with a fresh checkpoint directory; returns the options used and the directory.</summary>
    private static (StableDeepOptions Options, string Directory) TrainOneCheckpointedEpoch()
    {
        string directory = TempDirectory();
        var options = CheckpointScenario.Options(directory);
        options.Epochs = 1;
        CheckpointScenario.Train(TestData.MnistDirectory, options);
        return (options, directory);
    }

    /// <summary>Starts the worker, waits until it reports <paramref name="killAfterEpoch"/>, lets the next epoch start,
    /// kills it (SIGKILL), and returns the last epoch it reported.</summary>
    private static int RunWorkerAndKillDuringEpoch(string directory, int killAfterEpoch)
    {
        string worker = typeof(CheckpointTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "CheckpointWorker").Value!;
        var start = new ProcessStartInfo("dotnet", new[] { worker, TestData.MnistDirectory, directory })
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        int last = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            string? line = process.StandardOutput.ReadLine();
            if (line == null)
                Assert.Fail("the worker ended before it could be killed: " + process.StandardError.ReadToEnd());
            if (line!.StartsWith("epoch ", StringComparison.Ordinal))
                last = int.Parse(line[6..]);
            if (last >= killAfterEpoch)
            {
                Thread.Sleep(150); // into the next epoch
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return last;
            }
        }
        process.Kill(entireProcessTree: true);
        Assert.Fail("the worker did not reach the epoch in time");
        return last;
    }
}
