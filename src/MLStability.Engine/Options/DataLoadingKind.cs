namespace MLStability;

/// <summary>How a trainer gets its training rows from the IDataView.</summary>
public enum DataLoadingKind
{
    /// <summary>
    /// In memory when the data fits <see cref="DeepNetworkOptions.MemoryBudgetMegabytes"/>, else streaming. When the
    /// view does not know its row count (text files, LoadFromEnumerable), rows are read into memory up to 256 MB (or
    /// the MemoryBudgetMegabytes set), kept in memory when the view ends within that, and streamed from the start
    /// when it does not: a source larger than memory never has more than that sample held.
    /// </summary>
    Auto,
    /// <summary>Every row is read once into memory (and onto the training device): the fastest path for data that fits.</summary>
    InMemory,
    /// <summary>
    /// Every epoch reads the view through cursors: shuffled by ML.NET where the view can shuffle, else through a bounded
    /// shuffle buffer; batches are assembled on a background thread and only the current batch is on the device.
    /// Memory stays bounded whatever the data's size.
    /// </summary>
    Streaming,
}
