using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Remote;

namespace TrainingPlatform.Core.Datasets;

/// <summary>What <c>data push</c> did: the copy, and whether PATH's version was recorded by this push (false: it was already).</summary>
public sealed record DatasetPushResult(DatasetTransferResult Transfer, bool Added);

/// <summary>
/// <c>data push PATH DEST</c> as one operation: PATH's name and algorithm (those of its newest recorded version, else
/// its default name and sha256), its snapshot now, that version recorded, then the copy to DEST verified against it.
/// The store is opened twice, briefly, never while a file is hashed or copied. <see cref="Stage"/> and
/// <see cref="Progress"/> follow the step under way, for a progress line.
/// </summary>
public sealed class DatasetPush(DatasetSnapshotter snapshotter, DatasetTransfer transfer)
{
    private volatile bool _copying;

    /// <summary>"snapshot" while PATH is hashed, then "push".</summary>
    public string Stage => _copying ? "push" : "snapshot";

    /// <summary>The progress of the step under way.</summary>
    public SnapshotProgress Progress => _copying ? transfer.Progress : snapshotter.Progress;

    /// <param name="localPath">PATH, absolute.</param>
    /// <param name="destination">DEST: <c>ssh://…</c> or scp style.</param>
    /// <param name="openStore">Opens the store of dataset versions (the lineage store): for writing when the argument is true, else
    /// for reading; disposed after each use.</param>
    public DatasetPushResult Run(string localPath, string destination, Func<bool, IDatasetVersionStore> openStore, string projectRoot, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(localPath);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(openStore);
        if (!RemoteLocation.IsRemote(destination))
        {
            throw new UserErrorException($"'{destination}' is not a remote path", "push to ssh://[user@]host[:port]/DIR/NAME or [user@]host:DIR/NAME; copy local files with cp");
        }

        RemoteLocation.Parse(destination);
        DatasetSnapshotter.CheckInput(localPath);
        string name;
        string algorithm;
        using (var reading = openStore(false))
        {
            (name, algorithm) = DatasetTransfer.PushIdentity(new DatasetCatalog(reading, projectRoot, clock), localPath);
        }

        var snapshot = snapshotter.Snapshot(localPath, algorithm, check: false);
        snapshotter.SaveCache();
        DatasetVersion version;
        bool added;
        using (var writing = openStore(true))
        {
            (version, added) = new DatasetCatalog(writing, projectRoot, clock).Record(snapshot, name);
        }

        _copying = true;
        return new DatasetPushResult(transfer.Push(version, snapshot.Manifest, localPath, destination), added);
    }
}
