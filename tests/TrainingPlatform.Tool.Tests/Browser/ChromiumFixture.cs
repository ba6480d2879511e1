namespace TrainingPlatform.Tool.Tests.Browser;

/// <summary>
/// One headless Chromium for every browser test (xunit collection "Chromium": its classes run one after another, never
/// two browsers at once), started before the first and killed, with its profile, after the last.
/// When Chromium is missing, starting it throws, so every browser test fails saying how to install it.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private Chromium? _chromium;

    public Chromium Browser => _chromium ?? throw new InvalidOperationException("Chromium has not started");

    public async Task InitializeAsync() => _chromium = await Chromium.StartAsync();

    public async Task DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ChromiumTests : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "Chromium";
}
