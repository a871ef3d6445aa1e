using Durable.Configuration;
using Microsoft.Extensions.Configuration;

namespace Durable.Actors.Tests.Configuration;

/// <summary>A node's HOCON file read by Akka's parser and flattened into configuration keys.</summary>
public sealed class DurableHoconFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("durable-hocon-").FullName;

    [Fact]
    public void A_hocon_file_feeds_configuration_with_colon_separated_keys()
    {
        var file = Write("node.conf", """
            urls = "http://127.0.0.1:9000"
            Durable {
              Objects.IdleTimeout = 90s
              Storage { Sqlite { Path = data/x.db, SnapshotEveryBytes = 4MiB } }
            }
            Logging.LogLevel { "Microsoft.AspNetCore" = Warning }
            List = [a, b]
            Empty {}
            """);

        var configuration = new ConfigurationBuilder().AddDurableHoconFile(file).Build();

        Assert.Equal("http://127.0.0.1:9000", configuration["urls"]);
        Assert.Equal("90s", configuration["Durable:Objects:IdleTimeout"]);
        Assert.Equal("data/x.db", configuration["Durable:Storage:Sqlite:Path"]);
        Assert.Equal("4MiB", configuration["Durable:Storage:Sqlite:SnapshotEveryBytes"]);
        Assert.Equal("Warning", configuration["Logging:LogLevel:Microsoft.AspNetCore"]);
        Assert.Equal(["a", "b"], configuration.GetSection("List").GetChildren().Select(c => c.Value));
        Assert.Contains(configuration.AsEnumerable(), kv => kv is { Key: "Empty", Value: null });
    }

    [Fact]
    public void File_then_environment_then_command_line_later_wins()
    {
        var file = Write("node.conf", "Durable.Objects { IdleTimeout = 70s, EventDeadline = 30s, ShutdownTimeout = 30s }\n");
        var prefix = $"DURABLE_TEST_{Guid.NewGuid():N}_";
        Environment.SetEnvironmentVariable(prefix + "Durable__Objects__EventDeadline", "40s");
        Environment.SetEnvironmentVariable(prefix + "Durable__Objects__ShutdownTimeout", "40s");
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddDurableHoconFile(file)
                .AddEnvironmentVariables(prefix)
                .AddCommandLine(["--Durable:Objects:ShutdownTimeout=50s"])
                .Build();

            Assert.Equal("70s", configuration["Durable:Objects:IdleTimeout"]);
            Assert.Equal("40s", configuration["Durable:Objects:EventDeadline"]);
            Assert.Equal("50s", configuration["Durable:Objects:ShutdownTimeout"]);
            Assert.Equal($"the file {file}", configuration.DescribeSource("Durable:Objects:IdleTimeout"));
            Assert.Equal("the environment", configuration.DescribeSource("Durable:Objects:EventDeadline"));
            Assert.Equal("the command line", configuration.DescribeSource("Durable:Objects:ShutdownTimeout"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "Durable__Objects__EventDeadline", null);
            Environment.SetEnvironmentVariable(prefix + "Durable__Objects__ShutdownTimeout", null);
        }
    }

    [Fact]
    public void Include_resolves_next_to_the_including_file_and_later_fields_override_it()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "conf"));
        var included = Write("conf/base.conf", "Durable.Objects { IdleTimeout = 70s, EventDeadline = 30s }\nDurable.Edge.RetryAfter = 1s\n");
        var file = Write("conf/node.conf", "Durable.Edge.RetryAfter = 9s\ninclude \"base.conf\"\nDurable.Objects.IdleTimeout = 90s\n");

        var loaded = DurableHoconFile.Load(file); // the working directory is not conf/
        var data = loaded.Flatten();

        Assert.Equal("90s", data["Durable:Objects:IdleTimeout"]);
        Assert.Equal("30s", data["Durable:Objects:EventDeadline"]);
        Assert.Equal("1s", data["Durable:Edge:RetryAfter"]);
        Assert.Equal([file, included], loaded.Files);
    }

    [Fact]
    public void Substitutions_inside_an_included_file_resolve_within_it()
    {
        Write("base.conf", "Durable.Storage.Sqlite { GroupCommitDelay = 1ms }\nDurable.Storage.Postgres.GroupCommitDelay = ${Durable.Storage.Sqlite.GroupCommitDelay}\n");
        var file = Write("node.conf", "include \"base.conf\"\n");

        Assert.Equal("1ms", DurableHoconFile.Load(file).Flatten()["Durable:Storage:Postgres:GroupCommitDelay"]);
    }

    [Fact]
    public void A_missing_include_fails_naming_the_including_file_and_the_path_looked_for()
    {
        var file = Write("node.conf", "include \"nope.conf\"\n");

        var error = Assert.Throws<DurableHoconException>(() => DurableHoconFile.Load(file));

        Assert.Equal($"{file}: included file \"nope.conf\" not found (looked for {Path.Combine(_dir, "nope.conf")})", error.Message);
    }

    [Fact]
    public void An_include_cycle_fails_naming_the_files()
    {
        var a = Write("a.conf", "include \"b.conf\"\n");
        var b = Write("b.conf", "include \"a.conf\"\n");

        var error = Assert.Throws<DurableHoconException>(() => DurableHoconFile.Load(a));

        Assert.Equal($"{b}: include cycle: {a} -> {b} -> {a}", error.Message);
    }

    [Fact]
    public void An_optional_environment_value_replaces_the_default_only_when_set()
    {
        var set = $"DURABLE_TEST_{Guid.NewGuid():N}";
        var unset = $"DURABLE_TEST_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(set, "Host=db;Password=\"p#w\\1\"");
        try
        {
            var file = Write("node.conf", $$"""
                Durable.Storage.Postgres {
                  ConnectionString = ""
                  ConnectionString = ${?{{set}}}
                }
                Durable {
                  Ids.Secret = default-secret-1234
                  Ids.Secret = ${?{{unset}}} # stays as it was
                  Cluster.SeedNodes = ${?{{unset}}}
                }
                Durable.Edge.RetryAfter = 2s
                """);

            var data = DurableHoconFile.Load(file).Flatten();

            Assert.Equal("Host=db;Password=\"p#w\\1\"", data["Durable:Storage:Postgres:ConnectionString"]);
            Assert.Equal("default-secret-1234", data["Durable:Ids:Secret"]);
            Assert.False(data.ContainsKey("Durable:Cluster:SeedNodes"));
            Assert.Equal("2s", data["Durable:Edge:RetryAfter"]); // nothing after the substitutions is lost
        }
        finally
        {
            Environment.SetEnvironmentVariable(set, null);
        }
    }

    [Fact]
    public void An_optional_environment_value_inside_other_text_is_refused_at_its_line_and_column()
    {
        var file = Write("node.conf", "a = 1\nDurable.Cluster.SeedNodes = \"akka://\"${?HOST}\n");

        var error = Assert.Throws<DurableHoconException>(() => DurableHoconFile.Load(file));

        Assert.StartsWith($"{file}:2:38: ${{?NAME}} is supported only as a whole value", error.Message);
    }

    [Fact]
    public void A_syntax_error_names_the_file_line_and_column()
    {
        var file = Write("node.conf", "Durable {\n  Objects {\n    IdleTimeout = @\n  }\n}\n");

        var error = Assert.Throws<DurableHoconException>(() => DurableHoconFile.Load(file));

        Assert.StartsWith($"{file}:3:19: Unknown token", error.Message);
    }

    [Fact]
    public void A_brace_that_closes_nothing_fails_instead_of_dropping_the_rest_of_the_file()
    {
        var file = Write("node.conf", "a = 1\n}\nDurable.Objects.IdleTimeout = banana\n");

        var error = Assert.Throws<DurableHoconException>(() => DurableHoconFile.Load(file));

        Assert.Equal($"{file}: Akka's parser stopped before the end of the file, at a '}}' that closes no '{{'", error.Message);
    }

    [Fact]
    public void A_brace_never_closed_fails_naming_the_object()
    {
        var file = Write("node.conf", "Durable {\n  Storage.Provider = memory\n  Objects { IdleTimeout = 70s\n}\n");

        var error = Assert.Throws<DurableHoconException>(() => DurableHoconFile.Load(file));

        Assert.Equal($"{file}: the '{{' of Durable is not closed by the end of the file", error.Message);
    }

    [Fact]
    public void A_syntax_error_without_a_position_still_names_the_file()
    {
        var file = Write("node.conf", "Durable.Cluster.SeedNodes = akka.tcp://durable@127.0.0.1:4053\n");

        var error = Assert.Throws<DurableHoconException>(() => DurableHoconFile.Load(file));

        Assert.StartsWith($"{file}: Could not parse an unquoted text value containing assignment character", error.Message);
    }

    [Fact]
    public void A_syntax_error_in_an_included_file_names_that_file()
    {
        var included = Write("base.conf", "a = 1\nb = \"\\q\"\n");
        var file = Write("node.conf", "include \"base.conf\"\n");

        var error = Assert.Throws<DurableHoconException>(() => DurableHoconFile.Load(file));

        Assert.Equal($"{included}: Unknown escape code: q", error.Message);
    }

    [Theory]
    [InlineData("a = ${a}", "a")]
    [InlineData("a = 1\na = ${a}", "a")]
    [InlineData("a { b = ${a} }", "a")]
    [InlineData("x = ${y}\ny = ${x}", "x")]
    public void A_substitution_cycle_fails_instead_of_overflowing_the_stack(string text, string path)
    {
        var file = Write("node.conf", text);

        var error = Assert.Throws<DurableHoconException>(() => DurableHoconFile.Load(file));

        Assert.Equal($"{file}: ${{{path}}} refers to a value that contains it, which Akka's parser cannot resolve", error.Message);
    }

    [Fact]
    public void Keys_differing_only_in_case_fail_instead_of_one_silently_winning()
    {
        var file = Write("node.conf", "Durable.Objects.IdleTimeout = 70s\nDurable.objects.IdleTimeout = 80s\n");

        var error = Assert.Throws<DurableHoconException>(() => DurableHoconFile.Load(file).Flatten());

        Assert.Contains("differ only in case", error.Message);
    }

    [Fact]
    public void A_missing_file_throws_file_not_found_naming_it()
    {
        var path = Path.Combine(_dir, "absent.conf");

        var error = Assert.Throws<FileNotFoundException>(() => new ConfigurationBuilder().AddDurableHoconFile(path).Build());

        Assert.Equal(path, error.FileName);
    }

    [Fact]
    public void The_akka_section_and_the_document_stay_reachable_from_configuration()
    {
        var file = Write("node.conf", "akka { loglevel = DEBUG, actor.ask-timeout = 3s }\nDurable.Objects.IdleTimeout = 70s\n");

        var configuration = new ConfigurationBuilder().AddDurableHoconFile(file).Build();
        var loaded = configuration.GetDurableHoconFile();

        Assert.NotNull(loaded);
        Assert.Equal("DEBUG", loaded.Akka.GetString("loglevel"));
        Assert.Equal(TimeSpan.FromSeconds(3), loaded.Akka.GetTimeSpan("actor.ask-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(70), loaded.Config.GetTimeSpan("Durable.Objects.IdleTimeout"));
        Assert.True(DurableHoconFile.Parse("a = 1", "x", _dir).Akka.IsEmpty);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
