using Durable.Configuration.Hocon;
using Microsoft.Extensions.Configuration;

namespace Durable.Actors.Tests.Configuration.Hocon;

public sealed class HoconConfigurationProviderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hocon-provider-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_hocon_file_feeds_configuration_with_colon_separated_keys()
    {
        var path = Write("durable.conf", "durable {\n  runtime.idle-timeout = 70s\n  seeds = [a, b]\n}");

        var config = new ConfigurationBuilder().AddHoconFile(path).Build();

        Assert.Equal("70s", config["Durable:Runtime:idle-timeout"]);
        Assert.Equal(["a", "b"], config.GetSection("durable:seeds").GetChildren().Select(c => c.Value));
    }

    [Fact]
    public void The_provider_knows_where_each_key_was_written()
    {
        var path = Write("durable.conf", "durable {\n  runtime {\n    IdleTimeout = 7x\n  }\n}");

        var config = new ConfigurationBuilder().AddHoconFile(path).Build();

        Assert.True(config.TryGetHoconSource("Durable:Runtime:IdleTimeout", out var position));
        Assert.Equal("durable.conf:3:19", position.ToString());
        var provider = Assert.IsType<HoconConfigurationProvider>(config.Providers.Single());
        Assert.True(provider.TryGetSource("durable:runtime:idletimeout", out _));
        Assert.False(provider.TryGetSource("durable:nope", out _));
    }

    [Fact]
    public void A_later_source_overriding_a_key_takes_the_source_position_with_it()
    {
        var path = Write("durable.conf", "durable.x = 1\ndurable.y = 2");

        var config = new ConfigurationBuilder()
            .AddHoconFile(path)
            .AddCommandLine(["--Durable:X=3"])
            .Build();

        Assert.False(config.TryGetHoconSource("Durable:X", out _));
        Assert.True(config.TryGetHoconSource("Durable:Y", out var y));
        Assert.Equal(2, y.Line);
    }

    [Fact]
    public void File_then_environment_then_command_line_later_wins()
    {
        const string variable = "Durable__HoconPrecedenceTest__FromEnv";
        const string overridden = "Durable__HoconPrecedenceTest__FromCommandLine";
        var path = Write("durable.conf", """
            durable.HoconPrecedenceTest { FromFile = file, FromEnv = file, FromCommandLine = file }
            """);
        Environment.SetEnvironmentVariable(variable, "env");
        Environment.SetEnvironmentVariable(overridden, "env");
        try
        {
            var config = new ConfigurationBuilder()
                .AddHoconFile(path)
                .AddEnvironmentVariables()
                .AddCommandLine(["--Durable:HoconPrecedenceTest:FromCommandLine=cli"])
                .Build();

            var section = config.GetSection("Durable:HoconPrecedenceTest");
            Assert.Equal("file", section["FromFile"]);
            Assert.Equal("env", section["FromEnv"]);
            Assert.Equal("cli", section["FromCommandLine"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
            Environment.SetEnvironmentVariable(overridden, null);
        }
    }

    [Fact]
    public void A_missing_optional_file_is_empty_and_a_missing_required_file_fails()
    {
        var missing = Path.Combine(_dir, "nope.conf");

        Assert.Empty(new ConfigurationBuilder().AddHoconFile(missing, optional: true).Build().AsEnumerable());
        Assert.Throws<FileNotFoundException>(() => new ConfigurationBuilder().AddHoconFile(missing).Build());
    }

    [Fact]
    public void A_parse_error_in_a_file_surfaces_with_its_position()
    {
        var path = Write("durable.conf", "a = 1\nb = [");

        var error = Assert.Throws<InvalidDataException>(() => new ConfigurationBuilder().AddHoconFile(path).Build());

        var parse = Assert.IsType<HoconParseException>(error.InnerException);
        Assert.Equal("durable.conf:2:6", parse.Position.ToString());
    }

    [Fact]
    public void Reload_rereads_the_file()
    {
        var path = Write("durable.conf", "a = 1");
        var config = new ConfigurationBuilder().AddHoconFile(path).Build();

        File.WriteAllText(path, "a = 2\nb = 3");
        config.Reload();

        Assert.Equal("2", config["a"]);
        Assert.Equal("3", config["b"]);
    }

    [Fact]
    public void Includes_resolve_next_to_the_file_not_the_working_directory()
    {
        Write("conf/base.conf", "base.port = 80");
        var path = Write("conf/durable.conf", "include \"base.conf\"\nport = ${base.port}");

        var config = new ConfigurationBuilder().AddHoconFile(path).Build();

        Assert.Equal("80", config["port"]);
    }

    [Fact]
    public void A_hocon_string_source_can_be_built_more_than_once()
    {
        var builder = new ConfigurationBuilder().AddHoconString("a { b = 1 }");

        Assert.Equal("1", builder.Build()["a:b"]);
        Assert.Equal("1", builder.Build()["a:b"]);
        Assert.True(builder.Build().TryGetHoconSource("a:b", out var position));
        Assert.Equal("hocon-string:1:9", position.ToString());
    }

    [Fact]
    public void Values_bind_to_options_and_durations_parse_with_the_helper()
    {
        var config = new ConfigurationBuilder().AddHoconString("""
            durable.runtime {
              name = node-1
              MaxObjects = 1000
              enabled = true
              idle-timeout = 70s
              seeds = [a, b]
            }
            """).Build();

        var options = config.GetSection("Durable:Runtime").Get<TestRuntimeOptions>()!;

        Assert.Equal(("node-1", 1000, true), (options.Name, options.MaxObjects, options.Enabled));
        Assert.Equal(["a", "b"], options.Seeds);
        Assert.Equal(TimeSpan.FromSeconds(70), HoconDuration.Parse(config["durable:runtime:idle-timeout"]!));
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private sealed class TestRuntimeOptions
    {
        public string Name { get; set; } = "";

        public int MaxObjects { get; set; }

        public bool Enabled { get; set; }

        public List<string> Seeds { get; set; } = [];
    }
}
