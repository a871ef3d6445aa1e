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
        var configuration = new ConfigurationBuilder().AddDurableHoconString("""
            Durable.Objects { IdleTimeout = 90s, EventDeadline = "1.5 m", MaxQueuedEventsPerObject = 7, ShutdownTimeout = "00:00:05" }
            Durable.WebSockets { MaxMessageSize = 2MiB, PhoenixHeartbeatTimeout = 30d }
            Durable.Storage.Sqlite { Path = "x.db", BusyTimeout = 500us }
            """).Build();
        var objects = new DurableObjectsOptions();
        var sockets = new DurableWebSocketOptions();
        var sqlite = new SqliteStorageOptions();

        DurableSettingBinder.Bind(configuration, DurableObjectsOptions.SectionName, objects);
        DurableSettingBinder.Bind(configuration, DurableWebSocketOptions.SectionName, sockets);
        var error = Assert.Throws<OptionsValidationException>(() => DurableSettingBinder.Bind(configuration, SqliteStorageOptions.SectionName, sqlite));

        Assert.Equal(TimeSpan.FromSeconds(90), objects.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), objects.EventDeadline);
        Assert.Equal(TimeSpan.FromSeconds(5), objects.ShutdownTimeout);
        Assert.Equal(7, objects.MaxQueuedEventsPerObject);
        Assert.Equal(2L << 20, sockets.MaxMessageSize);
        Assert.Equal(TimeSpan.FromDays(30), sockets.PhoenixHeartbeatTimeout);
        Assert.Equal("x.db", sqlite.Path);
        // Akka's HOCON reads micros, not us: said rather than guessed.
        Assert.StartsWith("Durable:Storage:Sqlite:BusyTimeout = '500us' (from the file hocon-string): not a duration", Assert.Single(error.Failures));
    }

    [Theory]
    [InlineData("70s", 70_000)]
    [InlineData("500ms", 500)]
    [InlineData("500 ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("250 micros", 0.25)]
    [InlineData("3 seconds", 3_000)]
    [InlineData("0s", 0)]
    [InlineData("00:01:10", 70_000)]
    public void Durations_read_as_hocon_or_timespan_text(string text, double milliseconds)
    {
        var options = Bind<DurableObjectsOptions>(DurableObjectsOptions.SectionName, "IdleTimeout", text);

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.IdleTimeout);
    }

    [Theory]
    [InlineData("16MiB", 16L << 20)]
    [InlineData("512KiB", 512L << 10)]
    [InlineData("1GB", 1_000_000_000)]
    [InlineData("16 MB", 16_000_000)]
    [InlineData("4096", 4096)]
    public void Sizes_read_as_hocon_sizes(string text, long bytes)
    {
        var options = Bind<DurableWebSocketOptions>(DurableWebSocketOptions.SectionName, "MaxMessageSize", text);

        Assert.Equal(bytes, options.MaxMessageSize);
    }

    [Theory]
    [InlineData("16 parsecs")]
    [InlineData("1.5MiB")]
    [InlineData("99999999999EiB")]
    [InlineData("17EiB")]
    [InlineData("")]
    public void A_size_that_is_not_one_names_key_and_value(string text)
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            Bind<DurableWebSocketOptions>(DurableWebSocketOptions.SectionName, "MaxMessageSize", text));

        Assert.StartsWith($"Durable:WebSockets:MaxMessageSize = '{text}': expected a whole number or a size", Assert.Single(error.Failures));
    }

    [Theory]
    [InlineData("banana")]
    [InlineData("-5s")]
    [InlineData("infinite")]
    [InlineData("30 parsecs")]
    public void A_duration_that_is_not_one_names_key_and_value(string text)
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            Bind<DurableObjectsOptions>(DurableObjectsOptions.SectionName, "IdleTimeout", text));

        Assert.StartsWith($"Durable:Objects:IdleTimeout = '{text}': not a duration", Assert.Single(error.Failures));
    }

    [Fact]
    public void Invalid_duration_names_key_value_and_the_file()
    {
        var configuration = new ConfigurationBuilder().AddDurableHoconString("Durable {\n  Objects.IdleTimeout = banana\n}\n", "node.conf").Build();

        var error = Assert.Throws<OptionsValidationException>(() =>
            DurableSettingBinder.Bind(configuration, DurableObjectsOptions.SectionName, new DurableObjectsOptions()));

        Assert.StartsWith("Durable:Objects:IdleTimeout = 'banana' (from the file node.conf): not a duration", Assert.Single(error.Failures));
    }

    [Fact]
    public void A_later_source_overriding_the_file_is_named_instead_of_the_file()
    {
        var configuration = new ConfigurationBuilder()
            .AddDurableHoconString("Durable.Objects { IdleTimeout = 70s, EventDeadline = 30s }", "node.conf")
            .AddCommandLine(["--Durable:Objects:IdleTimeout=ten"])
            .AddInMemoryCollection([new("Durable:Objects:EventDeadline", "eleven")])
            .Build();

        var error = Assert.Throws<OptionsValidationException>(() =>
            DurableSettingBinder.Bind(configuration, DurableObjectsOptions.SectionName, new DurableObjectsOptions()));

        Assert.Contains(error.Failures, f => f.StartsWith("Durable:Objects:IdleTimeout = 'ten' (from the command line): not a duration", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Durable:Objects:EventDeadline = 'eleven': not a duration", StringComparison.Ordinal));
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

    private static TOptions Bind<TOptions>(string section, string key, string value) where TOptions : class, new()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new($"{section}:{key}", value)]).Build();
        var options = new TOptions();
        DurableSettingBinder.Bind(configuration, section, options);
        return options;
    }
}
