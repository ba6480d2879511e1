using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>How a PostgreSQL store's location is read (a URL or an Npgsql connection string) and shown (never with its password); no server needed.</summary>
public sealed class PostgresLocationTests
{
    [Theory]
    [InlineData("postgresql://alice:s3cret@db.example.org:5433/lineage?sslmode=verify-full", "postgresql://alice@db.example.org:5433/lineage")]
    [InlineData("postgres://alice@db.example.org/lineage", "postgresql://alice@db.example.org/lineage")]
    [InlineData("postgresql://al%40ce:p%3Ass@[::1]:6000/team%20store", "postgresql://al%40ce@::1:6000/team%20store")]
    [InlineData("Host=10.0.0.5;Port=5432;Username=bob;Password=s3cret;Database=lineage", "postgresql://bob@10.0.0.5/lineage")]
    [InlineData("Host=a,b;Username=bob;Password=s3cret;Database=lineage", "postgresql://bob@a,b/lineage")]
    public void A_location_is_shown_as_a_URL_without_its_password(string location, string shown)
    {
        var settings = PostgresConnection.Parse(location);
        Assert.Equal(location.Contains("verify-full", StringComparison.Ordinal) ? Npgsql.SslMode.VerifyFull : Npgsql.SslMode.Prefer, settings.SslMode);
        Assert.Equal(shown, PostgresConnection.Display(settings));
        Assert.DoesNotContain("s3cret", PostgresConnection.Display(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void A_URL_passes_its_settings_to_Npgsql()
    {
        var settings = PostgresConnection.Parse("postgresql://al%40ce:p%3Ass@db:6000/lineage?sslmode=require&connect_timeout=7&application_name=trainplat&passfile=/home/al/.pgpass");
        Assert.Equal(("al@ce", "p:ss", "db", 6000, "lineage"), (settings.Username, settings.Password, settings.Host, settings.Port, settings.Database));
        Assert.Equal((Npgsql.SslMode.Require, 7, "trainplat", "/home/al/.pgpass"), (settings.SslMode, settings.Timeout, settings.ApplicationName, settings.Passfile));
    }

    [Fact]
    public void A_malformed_connection_string_is_refused_without_repeating_it()
    {
        var ex = Assert.Throws<UserErrorException>(() => PostgresConnection.Parse("Host=db;Password=s3cret;NoSuchKey=1"));
        Assert.DoesNotContain("s3cret", ex.Message + ex.Hint, StringComparison.Ordinal);
        Assert.Contains("postgresql://USER@HOST:PORT/DATABASE", ex.Hint, StringComparison.Ordinal);
    }
}
