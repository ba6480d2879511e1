namespace TrainingPlatform.Core.Datasets;

/// <summary>How the files of a remote dataset are hashed (<c>--hash-on</c>).</summary>
public enum RemoteHashMethod
{
    /// <summary>On the host when it has <c>sha256sum</c>/<c>shasum</c> (and <c>grep</c> for JSON Lines), else streamed.</summary>
    Auto,

    /// <summary>On the host, by one <c>sh</c> script per path; an error when the host lacks the tools.</summary>
    Remote,

    /// <summary>The bytes read over SFTP and hashed here, exactly as a local file is.</summary>
    Stream,
}
