using static Durable.Actors.Tests.Configuration.Hocon.HoconTestDocument;

namespace Durable.Actors.Tests.Configuration.Hocon;

public class HoconSubstitutionTests
{
    [Fact]
    public void Substitutions_see_the_final_value_of_their_path()
    {
        var data = Load("foo = ${bar}\nbar = 1\nbar = 2");

        Assert.Equal("2", data["foo"]);
        Assert.Equal("2", data["bar"]);
    }

    [Fact]
    public void Substitutions_see_objects_merged_after_them()
    {
        var data = Load("a { x = 1 }\nb = ${a}\na { y = 2 }\nc = ${d}\nd = ${a}\nd.z = 3");

        Assert.Equal("1|2", Joined(data, "b:x", "b:y"));
        Assert.Equal("1|2|3", Joined(data, "c:x", "c:y", "c:z"));
    }

    [Fact]
    public void A_self_referenced_value_is_what_later_substitutions_see()
    {
        var data = Load("p = a\np = ${p}b\nq = ${p}\np = ${p}c");

        Assert.Equal("abc|abc", Joined(data, "p", "q"));
    }

    [Fact]
    public void Substitutions_copy_objects_and_arrays()
    {
        var data = Load("db { host = h, ports = [1, 2] }\ncopy = ${db}\nports = ${db.ports}");

        Assert.Equal("h", data["copy:host"]);
        Assert.Equal("2", data["copy:ports:1"]);
        Assert.Equal("1", data["ports:0"]);
    }

    [Fact]
    public void Substitutions_concatenate_with_strings()
    {
        var data = Load("dir = /var/lib\ndb = ${dir}/durable.db\nmsg = \"at \"${dir}\" now\"\nquoted = ${\"dir\"}");

        Assert.Equal("/var/lib/durable.db", data["db"]);
        Assert.Equal("at /var/lib now", data["msg"]);
        Assert.Equal("/var/lib", data["quoted"]);
    }

    [Fact]
    public void Object_concatenation_extends_a_base_object()
    {
        var data = Load("base { a = 1, b = 1 }\nderived = ${base} { b = 2, extra = 3 }");

        Assert.Equal("1|2|3", Joined(data, "derived:a", "derived:b", "derived:extra"));
        Assert.Equal("1", data["base:b"]);
    }

    [Fact]
    public void An_object_merged_after_a_substitution_extends_its_value()
    {
        var data = Load("base { a = 1, b = 1 }\nderived = ${base}\nderived { b = 2 }\nderived.c = 3");

        Assert.Equal("1|2|3", Joined(data, "derived:a", "derived:b", "derived:c"));
    }

    [Fact]
    public void Array_concatenation_with_a_substitution()
    {
        var data = Load("defaults = [a, b]\nall = ${defaults} [c]");

        Assert.Equal("a|b|c", Joined(data, "all:0", "all:1", "all:2"));
    }

    [Fact]
    public void Substitution_of_a_missing_path_falls_back_to_the_environment()
    {
        var data = Load("home = ${HOME}\nport = ${?DURABLE_PORT}", new Dictionary<string, string> { ["HOME"] = "/home/d", ["DURABLE_PORT"] = "9000" });

        Assert.Equal("/home/d", data["home"]);
        Assert.Equal("9000", data["port"]);
    }

    [Fact]
    public void A_value_in_the_tree_wins_over_the_environment()
    {
        var data = Load("HOME = /tree\nx = ${HOME}", new Dictionary<string, string> { ["HOME"] = "/env" });

        Assert.Equal("/tree", data["x"]);
    }

    [Fact]
    public void Optional_substitution_of_nothing_removes_the_field()
    {
        var data = Load("port = 80\nport = ${?NOT_SET}\nother = ${?NOT_SET}\nlist = [1, ${?NOT_SET}, 2]");

        Assert.Equal("80", data["port"]);
        Assert.False(data.ContainsKey("other"));
        Assert.Equal("1|2", Joined(data, "list:0", "list:1"));
        Assert.False(data.ContainsKey("list:2"));
    }

    [Fact]
    public void An_optional_environment_override_replaces_a_default_only_when_set()
    {
        const string text = "basedir = /default\nbasedir = ${?FORCED_BASEDIR}";

        Assert.Equal("/default", Load(text)["basedir"]);
        Assert.Equal("/forced", Load(text, new Dictionary<string, string> { ["FORCED_BASEDIR"] = "/forced" })["basedir"]);
    }

    [Fact]
    public void Required_substitution_of_nothing_fails_at_the_substitution()
    {
        var error = Fails("a = 1\nb = x ${missing.path}");

        Assert.Equal(("test.conf", 2, 7), (error.File, error.Line, error.Column));
        Assert.Contains("${missing.path}", error.Message);
    }

    [Fact]
    public void A_self_reference_builds_on_the_previous_value()
    {
        var data = Load("path = \"a:b\"\npath = ${path}\":c\"\npath = ${path}\":d\"\nlist = [1]\nlist = ${list} [2]");

        Assert.Equal("a:b:c:d", data["path"]);
        Assert.Equal("1|2", Joined(data, "list:0", "list:1"));
    }

    [Fact]
    public void A_self_reference_with_no_previous_value_falls_back_to_the_environment()
    {
        var data = Load("PATH = ${PATH}\":/opt/durable\"", new Dictionary<string, string> { ["PATH"] = "/usr/bin" });

        Assert.Equal("/usr/bin:/opt/durable", data["PATH"]);
    }

    [Fact]
    public void An_optional_self_reference_with_no_previous_value_is_empty()
    {
        var data = Load("a = ${?a}foo\nb = ${?b}");

        Assert.Equal("foo", data["a"]);
        Assert.False(data.ContainsKey("b"));
    }

    [Fact]
    public void A_required_self_reference_with_no_previous_value_fails()
    {
        var error = Fails("foo = ${foo}");

        Assert.Equal((1, 7), (error.Line, error.Column));
    }

    [Fact]
    public void A_self_reference_to_an_object_sees_it_as_it_was()
    {
        var data = Load("foo { a = 1 }\nfoo = ${foo}\nfoo.b = 2");

        Assert.Equal("1", data["foo:a"]);
        Assert.Equal("2", data["foo:b"]);
    }

    [Fact]
    public void A_self_reference_into_a_child_looks_back_even_when_overridden_later()
    {
        // The spec's example: ${foo.a} is { c : 1 }, not 2, and the final merge is { a : 2, c : 1 }.
        var data = Load("foo : { a : { c : 1 } }\nfoo : ${foo.a}\nfoo : { a : 2 }");

        Assert.Equal("2", data["foo:a"]);
        Assert.Equal("1", data["foo:c"]);
    }

    [Fact]
    public void A_self_reference_inside_an_object_literal_sees_the_earlier_field()
    {
        var data = Load("a { b = x }\na { b = ${a.b}y }");

        Assert.Equal("xy", data["a:b"]);
    }

    [Fact]
    public void A_self_reference_in_a_layer_over_an_unknown_value_looks_through_it()
    {
        var data = Load("base { list = [1] }\nsvc = ${base}\nsvc { list = ${svc.list} [2] }");

        Assert.Equal("1|2", Joined(data, "svc:list:0", "svc:list:1"));
        Assert.False(data.ContainsKey("base:list:1"));
    }

    [Fact]
    public void A_substitution_hidden_by_a_later_value_is_never_evaluated()
    {
        var data = Load("foo = ${does-not-exist}\nfoo = 42\nbar = ${bar}\nbar = 1\nbaz = ${nope}\nbaz = ${foo}");

        Assert.Equal("42", data["foo"]);
        Assert.Equal("1", data["bar"]);
        Assert.Equal("42", data["baz"]);
    }

    [Fact]
    public void Objects_may_refer_to_paths_within_themselves()
    {
        var data = Load("bar : { foo : 42, baz : ${bar.foo} }\nbar : { foo : 43 }");

        Assert.Equal("43", data["bar:baz"]);
    }

    [Fact]
    public void Mutually_referring_objects_look_forward()
    {
        var data = Load("bar : { a : ${foo.d}, b : 1 }\nbar.b = 3\nfoo : { c : ${bar.b}, d : 2 }\nfoo.d = 4");

        Assert.Equal("4", data["bar:a"]);
        Assert.Equal("3", data["foo:c"]);
    }

    [Fact]
    public void A_substitution_cycle_fails_naming_the_chain()
    {
        var error = Fails("x = ${a}\na = ${b}\nb = ${a}");

        Assert.Equal((3, 5), (error.Line, error.Column));
        Assert.Contains("${b} -> ${a} -> ${b}", error.Message);
    }

    [Fact]
    public void An_object_containing_a_substitution_of_itself_is_a_cycle()
    {
        var error = Fails("a { b = ${a} }");

        Assert.Equal((1, 9), (error.Line, error.Column));
        Assert.Contains("cycle", error.Message);
    }

    [Fact]
    public void Concatenating_an_object_with_a_string_fails()
    {
        var error = Fails("o { x = 1 }\na = ${o} foo");

        Assert.Equal((2, 5), (error.Line, error.Column));
        Assert.Contains("cannot concatenate an object with the string 'foo'", error.Message);
    }

    [Fact]
    public void Null_concatenated_into_a_string_reads_null()
    {
        var data = Load("n = null\ns = ${n}-x\nc = ${n}");

        Assert.Equal("null-x", data["s"]);
        Assert.Null(data["c"]);
    }

    [Fact]
    public void Substitution_result_is_traced_to_where_its_value_was_written()
    {
        var flat = LoadFlat("a = 5s\n\nb = ${a}\nc = ${?ENV_ONLY}", new Dictionary<string, string> { ["ENV_ONLY"] = "x" });

        Assert.Equal(1, flat.Sources["b"].Line);
        Assert.Equal((4, 5), (flat.Sources["c"].Line, flat.Sources["c"].Column));
    }
}
