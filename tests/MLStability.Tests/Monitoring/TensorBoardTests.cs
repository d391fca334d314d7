using MLStability.Tests.Engine;
using Tensorboard;

namespace MLStability.Tests;

/// <summary>
/// TensorBoardDirectory: the event files TorchSharp's SummaryWriter writes, read back record by record (TFRecord framing,
/// then the Event protobuf) and compared with what the training run reported.
/// </summary>
[TestClass]
public sealed class TensorBoardTests
{
    [TestMethod]
    public void ScalarsAndHistogramsMatchTheRun()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"mlstability-tb-{Guid.NewGuid():N}");
        try
        {
            var ml = new MLContext(seed: 1);
            var options = SmallOptions.Trainer(epochs: 3);
            options.ValidationFraction = 0.2f;
            options.DiagnosticsInterval = 5;
            options.TensorBoardDirectory = directory;
            var model = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.MulticlassClassification.Trainers.StableDeep(options))
                .Fit(NonlinearData.Binary(ml, rows: 400, seed: 3));
            var history = model.LastTransformer.TrainingHistory;
            var values = Read(directory).SelectMany(e => (e.Summary?.Value ?? Enumerable.Empty<Summary.Types.Value>()).Select(v => (e.Step, Value: v))).ToList();

            void AssertSeries(string tag, Func<EpochProgress, double?> expected)
            {
                var series = values.Where(v => v.Value.Tag == tag).ToList();
                CollectionAssert.AreEqual(history.Select(h => (long)h.Steps).ToList(), series.Select(v => v.Step).ToList(), tag);
                CollectionAssert.AreEqual(history.Select(h => (float)expected(h)!.Value).ToList(), series.Select(v => v.Value.SimpleValue).ToList(), tag);
            }
            AssertSeries("loss/train", h => h.TrainingLoss);
            AssertSeries("loss/validation", h => h.ValidationLoss);
            AssertSeries("accuracy/validation", h => h.ValidationAccuracy);
            AssertSeries("learning_rate", h => h.LearningRate);

            // 320 training rows in batches of 32: 10 steps per epoch, 30 in all; sampled at step 1 and every 5th.
            var sampled = new long[] { 1, 5, 10, 15, 20, 25, 30 };
            foreach (string layer in new[] { "block0", "block1", "head" })
            {
                var norms = values.Where(v => v.Value.Tag == $"gradient_norm/{layer}").ToList();
                CollectionAssert.AreEqual(sampled, norms.Select(v => v.Step).ToArray(), layer);
                Assert.IsTrue(norms.All(v => v.Value.SimpleValue > 0 && float.IsFinite(v.Value.SimpleValue)), layer);
                Assert.AreEqual(sampled.Length, values.Count(v => v.Value.Tag == $"weight_norm/{layer}"), layer);
            }
            var headWeights = values.Where(v => v.Value.Tag == "weights/head").Select(v => v.Value.Histo).ToList();
            Assert.AreEqual(sampled.Length, headWeights.Count);
            Assert.IsTrue(headWeights.All(h => h.Num == 32 * 2), "the head's 32 x 2 weights in every histogram");
            Assert.AreEqual(sampled.Length, values.Count(v => v.Value.Tag == "gradients/block0"));
            Assert.AreEqual(0, values.Count(v => v.Value.Tag.StartsWith("instability/", StringComparison.Ordinal)), "a healthy run has no events");
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void InstabilityEventsAreWritten()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"mlstability-tb-{Guid.NewGuid():N}");
        try
        {
            var options = DiagnosticsTests.Exploding();
            options.OnInstability = InstabilityPolicy.Rollback;
            options.TensorBoardDirectory = directory;
            using var model = new NetworkTrainer(options, seed: 1).Train(DiagnosticsTests.Data());
            var events = model.Report.Events;
            Assert.IsTrue(events.Count >= 1);

            var values = Read(directory).Where(e => e.Summary != null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, Value: v))).ToList();
            // add_text writes its value under "TAG/text_summary".
            var texts = values.Where(v => v.Value.Tag == "instability/text_summary").ToList();
            var written = values.Where(v => v.Value.Tag.StartsWith("instability/", StringComparison.Ordinal) && v.Value.Tag != "instability/text_summary")
                .Select(v => (v.Step, v.Value.Tag, v.Value.SimpleValue)).ToList();
            Assert.AreEqual(events.Count, texts.Count);
            StringAssert.Contains(texts[0].Value.Tensor.StringVal[0].ToStringUtf8(), events[0].Detail);
            var expected = events.Select((e, i) => (e.Step, $"instability/{e.Kind}", (float)events.Take(i + 1).Count(x => x.Kind == e.Kind))).ToList();
            CollectionAssert.AreEqual(expected, written, $"expected {string.Join("; ", expected)} written {string.Join("; ", written)}");
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Every event in the directory's event files: TFRecord framing (length, its CRC, data, its CRC).</summary>
    private static List<Event> Read(string directory)
    {
        var events = new List<Event>();
        foreach (string file in Directory.GetFiles(directory, "events.out.tfevents.*", SearchOption.AllDirectories))
        {
            using var reader = new BinaryReader(File.OpenRead(file));
            while (reader.BaseStream.Position < reader.BaseStream.Length)
            {
                long length = reader.ReadInt64();
                reader.ReadUInt32();
                events.Add(Event.Parser.ParseFrom(reader.ReadBytes((int)length)));
                reader.ReadUInt32();
            }
        }
        return events; // in the order written: one file per writer, appended
    }
}
