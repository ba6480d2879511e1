namespace TrainingPlatform.Core.Remote;

/// <summary>What a script run on the remote host by <see cref="SshSession.Run"/> gave back.</summary>
public sealed record RemoteRun(int ExitCode, byte[] Output, string Error);
