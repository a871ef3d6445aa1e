using Durable.Configuration;
using Durable.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Durable.Actors.Tests.Configuration;

public sealed class DurableSettingBinderTests
{
    [Fact]
    public void Hocon_durations_sizes_and_numbers_bind_to_typed_settings()
    {
        var configuration = new ConfigurationBuilder().AddHoconString("""
            Durable.Objects { IdleTimeout = 90s, EventDeadline = "1.5 m", MaxQueuedEventsPerObject = 7, ShutdownTimeout = "00:00:05" }
            Durable.Storage.Sqlite { SnapshotEveryBytes = 2MiB, Path = "x.db" }
            """).Build();
        var objects = new DurableObjectsOptions();
        var sqlite = new SqliteStorageOptions();

        DurableSettingBinder.Bind(configuration, DurableObjectsOptions.SectionName, objects);
        DurableSettingBinder.Bind(configuration, SqliteStorageOptions.SectionName, sqlite);

        Assert.Equal(TimeSpan.FromSeconds(90), objects.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), objects.EventDeadline);
        Assert.Equal(TimeSpan.FromSeconds(5), objects.ShutdownTimeout);
        Assert.Equal(7, objects.MaxQueuedEventsPerObject);
        Assert.Equal(2L << 20, sqlite.SnapshotEveryBytes);
        Assert.Equal("x.db", sqlite.Path);
    }

    [Fact]
    public void Invalid_duration_names_key_value_file_line_and_column()
    {
        var configuration = new ConfigurationBuilder().AddHoconString("Durable {\n  Objects.IdleTimeout = soon\n}\n", "node.conf").Build();

        var error = Assert.Throws<OptionsValidationException>(() =>
            DurableSettingBinder.Bind(configuration, DurableObjectsOptions.SectionName, new DurableObjectsOptions()));

        Assert.StartsWith("Durable:Objects:IdleTimeout = 'soon' (at node.conf:2:25): not a duration", Assert.Single(error.Failures));
    }

    [Fact]
    public void A_later_source_overriding_the_file_is_reported_without_the_file_position()
    {
        var configuration = new ConfigurationBuilder()
            .AddHoconString("Durable.Objects.IdleTimeout = 70s", "node.conf")
            .AddInMemoryCollection([new("Durable:Objects:IdleTimeout", "ten")])
            .Build();

        var error = Assert.Throws<OptionsValidationException>(() =>
            DurableSettingBinder.Bind(configuration, DurableObjectsOptions.SectionName, new DurableObjectsOptions()));

        Assert.StartsWith("Durable:Objects:IdleTimeout = 'ten': not a duration", Assert.Single(error.Failures));
    }

    [Fact]
    public void Unknown_keys_and_bad_numbers_are_all_reported_but_subsections_are_left_to_their_options()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([
            new("Durable:Objects:IdleTimout", "70s"),
            new("Durable:Objects:MaxInFlightEventsPerNode", "many"),
            new("Durable:Objects:Nested:Key", "1"),
        ]).Build();

        var error = Assert.Throws<OptionsValidationException>(() =>
            DurableSettingBinder.Bind(configuration, DurableObjectsOptions.SectionName, new DurableObjectsOptions()));

        Assert.Equal(2, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.StartsWith("Durable:Objects:IdleTimout is not a setting of Durable:Objects; the settings are IdleTimeout,", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Durable:Objects:MaxInFlightEventsPerNode = 'many': expected a whole number", StringComparison.Ordinal));
    }
}
