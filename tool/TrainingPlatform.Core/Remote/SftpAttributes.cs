namespace TrainingPlatform.Core.Remote;

/// <summary>The SFTP v3 attributes we use: size, permission bits (with the file type) and mtime in whole seconds.</summary>
public readonly record struct SftpAttributes(long? Size, uint? Permissions, long? ModifiedSeconds)
{
    private const uint TypeMask = 0xF000;

    /// <summary>A folder (S_IFDIR).</summary>
    public bool IsDirectory => (Permissions & TypeMask) == 0x4000;

    /// <summary>A regular file (S_IFREG).</summary>
    public bool IsRegular => (Permissions & TypeMask) == 0x8000;

    /// <summary>A symbolic link (S_IFLNK; only <see cref="SftpClient.TryLStat"/> and folder listings see one).</summary>
    public bool IsSymbolicLink => (Permissions & TypeMask) == 0xA000;
}
