using TrainingPlatform.Core.Diagnostics;
using TrainingPlatform.Core.Lineage;

namespace TrainingPlatform.Core.Tests.Lineage;

/// <summary>Issue 20: a store location is a path, a PostgreSQL URL or an Npgsql connection string; shown without a password.</summary>
public sealed class StoreLocationTests
{
    [Theory]
    [InlineData("postgresql://ann:pw@db.example:5433/lineage", "postgresql://ann@db.example:5433/lineage", "db.example", 5433, "ann", "pw", "lineage", null)]
    [InlineData("postgres://db.example/lineage", "postgresql://db.example/lineage", "db.example", 5432, null, null, "lineage", null)]
    [InlineData("postgresql://ann@db.example/lineage?sslmode=verify-full&passfile=/home/ann/.pgpass", "postgresql://ann@db.example/lineage", "db.example", 5432, "ann", null, "lineage", "VerifyFull")]
    [InlineData("postgresql://ann:p%3Bw%40x%22@[::1]:6000/my%20db", "postgresql://ann@::1:6000/my%20db", "::1", 6000, "ann", "p;w@x\"", "my db", null)]
    [InlineData("postgresql:///lineage", "postgresql://localhost/lineage", "localhost", 5432, null, null, "lineage", null)]
    [InlineData("Host=db.example;Database=lineage;Username=ann;Password='a;b'", "postgresql://ann@db.example/lineage", "db.example", 5432, "ann", "a;b", "lineage", null)]
    [InlineData("server = db.example; port=5444; User Id=ann; pwd=x; ssl mode=Require", "postgresql://ann@db.example:5444", "db.example", 5444, "ann", "x", null, "Require")]
    public void A_server_location_becomes_a_connection_string_and_is_shown_without_its_password(
        string text, string display, string host, int port, string? user, string? password, string? database, string? sslMode)
    {
        var location = StoreLocation.Parse(text, "/work");
        Assert.Equal(StoreKind.Postgres, location.Kind);
        Assert.Equal(display, location.Display);
        Assert.Equal(display, location.ToString());
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(location.Value);
        Assert.Equal((host, port, user, password, database), (settings.Host, settings.Port, settings.Username, settings.Password, settings.Database));
        Assert.Equal(sslMode ?? "Prefer", settings.SslMode.ToString());
    }

    [Theory]
    [InlineData("lineage.db", "/work/p/lineage.db")]
    [InlineData("../shared/team.db", "/work/shared/team.db")]
    [InlineData("/srv/lineage.db", "/srv/lineage.db")]
    [InlineData("host.db", "/work/p/host.db")]
    [InlineData("postgresql.db", "/work/p/postgresql.db")]
    public void Anything_else_is_a_file_relative_to_the_base(string text, string full)
    {
        var location = StoreLocation.Parse(text, "/work/p");
        Assert.Equal(StoreKind.File, location.Kind);
        Assert.Equal(full, location.FilePath);
    }

    [Theory]
    [InlineData("postgresql://ann:hunter2@db.example:99999/x", "the port '99999'")]
    [InlineData("postgresql://ann:hunter2@db.example/x?colour=blue", "the URL parameter 'colour'")]
    [InlineData("Host=db.example;Password='hunter2", "not a valid URL or connection string")]
    [InlineData("Host=db.example;Password=hunter2;Colour=blue", "not a valid URL or connection string")]
    public void A_malformed_server_location_is_refused_without_repeating_it(string text, string what)
    {
        var ex = Assert.Throws<UserErrorException>(() => StoreLocation.Parse(text, "/work"));
        Assert.Contains(what, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", ex.Message + ex.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_locations_are_the_same_store_by_full_path_or_by_host_port_and_database()
    {
        Assert.True(StoreLocation.Parse("a/../b.db", "/w").SameStore(StoreLocation.Parse("/w/b.db", "/x")));
        Assert.False(StoreLocation.Parse("a.db", "/w").SameStore(StoreLocation.Parse("b.db", "/w")));
        Assert.True(StoreLocation.Parse("postgresql://ann:x@DB.example/l", "/w").SameStore(StoreLocation.Parse("Host=db.example;Port=5432;Database=l;Username=bob", "/w")));
        Assert.False(StoreLocation.Parse("postgresql://db.example/l", "/w").SameStore(StoreLocation.Parse("postgresql://db.example/m", "/w")));
        Assert.False(StoreLocation.Parse("postgresql://db.example/l?options=-c%20search_path%3Da", "/w").SameStore(StoreLocation.Parse("postgresql://db.example/l?options=-c%20search_path%3Db", "/w")));
        Assert.False(StoreLocation.Parse("postgresql://db.example/l", "/w").SameStore(StoreLocation.Parse("l", "/w")));
    }
}
