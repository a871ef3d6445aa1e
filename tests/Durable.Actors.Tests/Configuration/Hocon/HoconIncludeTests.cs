using Durable.Configuration.Hocon;
using static Durable.Actors.Tests.Configuration.Hocon.HoconTestDocument;

namespace Durable.Actors.Tests.Configuration.Hocon;

public sealed class HoconIncludeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hocon-include-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Include_merges_a_file_relative_to_the_including_file()
    {
        Write("main.conf", "a = 1\ninclude \"sub/first.conf\"\nc = ${b}");
        Write("sub/first.conf", "b = 2\ninclude file(\"second.conf\")");
        Write("sub/second.conf", "a = 3\nd = from-second");

        var data = Load("main.conf");

        Assert.Equal("3|2|2|from-second", Joined(data, "a", "b", "c", "d"));
    }

    [Fact]
    public void Fields_after_an_include_override_it_and_fields_before_are_overridden()
    {
        Write("defaults.conf", "port = 80\nhost = localhost");
        Write("main.conf", "port = 1\nhost = before\ninclude \"defaults.conf\"\nport = 8080");

        var data = Load("main.conf");

        Assert.Equal("8080", data["port"]);
        Assert.Equal("localhost", data["host"]);
    }

    [Fact]
    public void An_include_inside_an_object_nests_its_fields_and_its_substitutions()
    {
        Write("storage.conf", "dir = /var\npath = ${dir}/durable.db\nhome = ${?TEST_HOME}");
        Write("main.conf", "durable { storage { include required(file(\"storage.conf\")) } }");

        var data = Load("main.conf", new Dictionary<string, string> { ["TEST_HOME"] = "/h" });

        Assert.Equal("/var/durable.db", data["durable:storage:path"]);
        Assert.Equal("/h", data["durable:storage:home"]);
        Assert.False(data.ContainsKey("path"));
    }

    [Fact]
    public void A_missing_include_is_ignored()
    {
        Write("main.conf", "include \"nope.conf\"\ninclude file(\"nope2.conf\")\na = 1");

        Assert.Equal("1", Load("main.conf")["a"]);
    }

    [Fact]
    public void A_missing_required_include_fails_at_the_include()
    {
        Write("main.conf", "a = 1\n  include required(\"nope.conf\")");

        var error = Assert.Throws<HoconParseException>(() => Load("main.conf"));

        Assert.Equal(("main.conf", 2, 3), (error.File, error.Line, error.Column));
        Assert.Contains("required include \"nope.conf\" not found", error.Message);
    }

    [Fact]
    public void An_include_cycle_fails_naming_the_files()
    {
        Write("a.conf", "x = 1\ninclude \"b.conf\"");
        Write("b.conf", "include \"a.conf\"");

        var error = Assert.Throws<HoconParseException>(() => Load("a.conf"));

        Assert.Equal(("b.conf", 1, 1), (error.File, error.Line, error.Column));
        Assert.Contains("include cycle: a.conf -> b.conf -> a.conf", error.Message);
    }

    [Fact]
    public void Errors_inside_an_included_file_name_that_file()
    {
        Write("main.conf", "include \"sub/bad.conf\"");
        Write("sub/bad.conf", "a = 1\nb = \"open");

        var error = Assert.Throws<HoconParseException>(() => Load("main.conf"));

        Assert.Equal((Path.Combine("sub", "bad.conf"), 2, 5), (error.File, error.Line, error.Column));
    }

    private Dictionary<string, string?> Load(string name, IDictionary<string, string>? environment = null)
    {
        var path = Path.Combine(_dir, name);
        var options = HoconTestDocument.Options(environment) with { ReadFile = HoconParseOptions.Default.ReadFile };
        return HoconDocument.Load(File.ReadAllText(path), new HoconSourceFile(name, path), options).Data;
    }

    private void Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
