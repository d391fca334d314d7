using Microsoft.ML;

namespace MLStability.Trainers;

/// <summary>Moving cursors with errors that say where the source failed.</summary>
internal static class RowCursors
{
    /// <summary>Moves the cursor, turning a failure of the source view into an error that says where it happened.</summary>
    public static bool MoveNext(DataViewRowCursor cursor, long row)
    {
        try
        {
            return cursor.MoveNext();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // ML.NET reads ahead on worker threads and wraps the source's exception: report the original one.
            Exception cause = e.GetBaseException();
            throw new InvalidOperationException(
                $"StableDeep: the training data view failed after {row} rows had been read ({cause.GetType().Name}: {cause.Message}).", e);
        }
    }
}
