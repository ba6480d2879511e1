namespace TrainingPlatform.Core.Diagnostics;

/// <summary>Stable diagnostic codes; see docs/diagnostics.md. Never change a code's meaning.</summary>
public static class DiagnosticCodes
{
    public const string YamlSyntax = "TP0001";
    public const string InvalidUtf8 = "TP0002";
    public const string TabIndentation = "TP0003";
    public const string DuplicateKey = "TP0004";
    public const string AliasExpansion = "TP0005";
    public const string NestingTooDeep = "TP0006";
    public const string UnsupportedTag = "TP0007";
    public const string MergeKey = "TP0008";
    public const string FileTooLarge = "TP0009";
    public const string EmptyFile = "TP0010";
    public const string NotAMapping = "TP0011";
    public const string Unreadable = "TP0012";
    public const string MultipleDocuments = "TP0013";
    public const string ComplexKey = "TP0014";

    public const string UnknownKey = "TP0100";
    public const string MissingKey = "TP0101";
    public const string WrongType = "TP0102";
    public const string NotAllowed = "TP0103";
    public const string OutOfRange = "TP0104";
    public const string BadFormat = "TP0105";
    public const string UnsupportedApiVersion = "TP0106";
    public const string SchemaViolation = "TP0107";

    public const string MicroBatchTooLarge = "TP0200";
    public const string BadVersion = "TP0201";
    public const string IdMismatch = "TP0202";
    public const string UnknownBase = "TP0203";
    public const string ExtendsCycle = "TP0204";
    public const string Yaml11Float = "TP0205";
    public const string Yaml11Bool = "TP0206";
    public const string TagNotLowerCase = "TP0207";
    public const string ScalingUnknownKey = "TP0208";
    public const string ScalingBadRange = "TP0209";
    public const string MiniBatchTooLarge = "TP0210";
    public const string BothMicroBatches = "TP0211";
    public const string DuplicateTag = "TP0212";
    public const string DuplicateId = "TP0213";
    public const string ExtendsPinMismatch = "TP0214";
    public const string BuiltInWithoutSource = "TP0215";

    // Pre-flight checks on a resolved config (trainplat render): the frameworks' run-time checks, before launch.
    public const string GpusNotDivisible = "TP0300";
    public const string BatchNotDivisibleByMinimal = "TP0301";
    public const string PerGpuMiniBatch = "TP0303";
    public const string GenerationBatchVsGroup = "TP0305";
    public const string GroupTooSmall = "TP0306";
    public const string MemoryExceeded = "TP0307";
    public const string RolloutMemory = "TP0308";
    public const string GlobalBatchNotDivisible = "TP0309";
    public const string GenerationBatchVsDevices = "TP0310";
    public const string RolloutTensorParallel = "TP0311";
    public const string SequenceParallel = "TP0312";
    public const string HeadsNotDivisible = "TP0313";
    public const string AccumulationReplaced = "TP0314";
    public const string ActorMicroBatchMissing = "TP0315";
    public const string LogProbMicroBatchMissing = "TP0316";
    public const string CriticMicroBatchMissing = "TP0317";
    public const string CriticMiniBatch = "TP0318";
    public const string TokenBudgetTooSmall = "TP0319";
    public const string TokenBudgetBelowTwice = "TP0320";
    public const string OverlongBufferTooLong = "TP0321";
    public const string SequenceParallelNeedsRemovePadding = "TP0322";
    public const string TrlSequenceParallel = "TP0323";
    public const string TrlUpdateBatchVsProcesses = "TP0324";

    // import verl / import trl (TP06xx)
    public const string ImportUnresolved = "TP0610";
    public const string ImportNotAnOverride = "TP0611";
    public const string ImportUnmappedKey = "TP0612";
    public const string ImportValueChanged = "TP0613";
}
