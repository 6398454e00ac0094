using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Vouch.Cli.Tests;

/// <summary><c>vouch collateral status</c> only looks at a data directory's database: it never creates or migrates one.</summary>
public sealed class CollateralStatusCacheTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vouch-collateral-status");

    private string Database => Path.Combine(_dir.FullName, "vouch.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    private JsonNode Status()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, VouchCommand.Run(["collateral", "status", "--data", _dir.FullName, "--json"], output, error));
        return JsonNode.Parse(output.ToString())!["pcsCache"]!;
    }

    [Fact]
    public void Without_a_database_there_is_no_persisted_cache_and_none_is_created()
    {
        var cache = Status();
        Assert.NotNull(cache["absent"]);
        Assert.Empty(cache["entries"]!.AsArray());
        Assert.False(File.Exists(Database));

        using var output = new StringWriter();
        Assert.Equal(0, VouchCommand.Run(["collateral", "status", "--data", _dir.FullName], output, TextWriter.Null));
        Assert.False(File.Exists(Database));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(99)]
    public void A_database_whose_schema_has_no_cache_is_reported_as_such_and_left_as_it_is(long version)
    {
        using (var connection = new SqliteConnection($"Data Source={Database};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"CREATE TABLE marker (x INTEGER); PRAGMA user_version={version};";
            command.ExecuteNonQuery();
        }

        var cache = Status();
        Assert.NotNull(cache["absent"]);
        Assert.Empty(cache["entries"]!.AsArray());

        using (var connection = new SqliteConnection($"Data Source={Database};Mode=ReadOnly;Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version;";
            Assert.Equal(version, Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
            command.CommandText = "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table';";
            Assert.Equal("marker", command.ExecuteScalar());
        }
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_reported_without_failing_the_command()
    {
        File.WriteAllText(Database, "not a database, just text that is long enough to fill a header of one hundred bytes or so ........");
        var cache = Status();
        Assert.NotNull(cache["absent"]);
        Assert.Empty(cache["entries"]!.AsArray());
    }
}
