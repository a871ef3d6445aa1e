using static Durable.Actors.Tests.Configuration.Hocon.HoconTestDocument;

namespace Durable.Actors.Tests.Configuration.Hocon;

public class HoconSyntaxTests
{
    [Fact]
    public void Hash_and_double_slash_comments_are_ignored()
    {
        var data = Load("""
            # a comment
            a = 1 # trailing
            // another
            b = 2 // trailing
            c = "not # a comment"
            """);

        Assert.Equal("1", data["a"]);
        Assert.Equal("2", data["b"]);
        Assert.Equal("not # a comment", data["c"]);
        Assert.Equal(3, data.Count);
    }

    [Fact]
    public void Root_object_may_have_braces_or_not()
    {
        Assert.Equal("1", Load("{ a = 1 }")["a"]);
        Assert.Equal("1", Load("\n  {\n a = 1\n }\n")["a"]);
        Assert.Equal("1", Load("a = 1")["a"]);
        Assert.Empty(Load(""));
        Assert.Empty(Load("# only a comment\n"));
    }

    [Fact]
    public void Equals_colon_and_a_brace_after_the_key_all_separate_key_from_value()
    {
        var data = Load("a = 1\nb : 2\nc { d = 3 }\ne\n{\n  f = 4\n}");

        Assert.Equal("1", data["a"]);
        Assert.Equal("2", data["b"]);
        Assert.Equal("3", data["c:d"]);
        Assert.Equal("4", data["e:f"]);
    }

    [Fact]
    public void Commas_and_newlines_separate_fields_and_trailing_commas_are_allowed()
    {
        var data = Load("a = 1, b = 2,\nc = 3\n\n\nd = [1, 2,]\ne { x = 1, }\n");

        Assert.Equal("1|2|3", Joined(data, "a", "b", "c"));
        Assert.Equal("1|2", Joined(data, "d:0", "d:1"));
        Assert.False(data.ContainsKey("d:2"));
        Assert.Equal("1", data["e:x"]);
    }

    [Fact]
    public void Unquoted_strings_keep_the_whitespace_between_words()
    {
        var data = Load("a = foo bar  baz   \nb = some/path.conf\nc = -1.5e+10");

        Assert.Equal("foo bar  baz", data["a"]);
        Assert.Equal("some/path.conf", data["b"]);
        Assert.Equal("-1.5e+10", data["c"]);
    }

    [Fact]
    public void Quoted_strings_decode_json_escapes()
    {
        var data = Load("""a = "x\ny\t\"q\"\\ \u0041\/" """);

        Assert.Equal("x\ny\t\"q\"\\ A/", data["a"]);
    }

    [Fact]
    public void Triple_quoted_strings_span_lines_and_keep_backslashes_raw()
    {
        var data = Load("a = \"\"\"line one\n  \"line\" two \\n\"\"\"\nb = 1");

        Assert.Equal("line one\n  \"line\" two \\n", data["a"]);
        Assert.Equal("1", data["b"]);
    }

    [Fact]
    public void Extra_quotes_before_a_triple_quote_end_belong_to_the_string()
    {
        Assert.Equal("say \"hi\"", Load("a = \"\"\"say \"hi\"\"\"\"")["a"]);
    }

    [Fact]
    public void Null_becomes_a_null_value_but_quoted_null_is_a_string()
    {
        var data = Load("a = null\nb = \"null\"\nc = null x");

        Assert.True(data.ContainsKey("a"));
        Assert.Null(data["a"]);
        Assert.Equal("null", data["b"]);
        Assert.Equal("null x", data["c"]);
    }

    [Fact]
    public void Booleans_and_numbers_pass_through_as_written()
    {
        var data = Load("a = true\nb = off\nc = yes\nd = 1.50\ne = 0x10\nf = 70s\ng = 1e3");

        Assert.Equal("true|off|yes|1.50|0x10|70s|1e3", Joined(data, "a", "b", "c", "d", "e", "f", "g"));
    }

    [Fact]
    public void Values_written_side_by_side_concatenate_with_their_whitespace()
    {
        var data = Load("""
            a = foo "bar" baz
            b = "x"y"z"
            c = 1 2 3
            d = "" foo
            """);

        Assert.Equal("foo bar baz", data["a"]);
        Assert.Equal("xyz", data["b"]);
        Assert.Equal("1 2 3", data["c"]);
        Assert.Equal(" foo", data["d"]);
    }

    [Fact]
    public void Keys_may_be_quoted_and_contain_whitespace()
    {
        var data = Load("\"a b\" = 1\nfoo bar = 2\n\"\" = 3\n\"with:colon\".x = 4");

        Assert.Equal("1", data["a b"]);
        Assert.Equal("2", data["foo bar"]);
        Assert.Equal("3", data[""]);
        Assert.Equal("4", data["with:colon:x"]);
    }

    [Fact]
    public void Include_is_an_ordinary_key_when_not_followed_by_a_file()
    {
        var data = Load("include = 1\nincluded = 2");

        Assert.Equal("1", data["include"]);
        Assert.Equal("2", data["included"]);
    }

    [Fact]
    public void Windows_line_endings_read_like_unix_ones()
    {
        var data = Load("a = foo bar\r\nb {\r\n  c = \"x\"\r\n}\r\n");

        Assert.Equal("foo bar", data["a"]);
        Assert.Equal("x", data["b:c"]);
    }
}
