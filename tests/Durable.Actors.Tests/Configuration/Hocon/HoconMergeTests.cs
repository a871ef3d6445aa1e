using static Durable.Actors.Tests.Configuration.Hocon.HoconTestDocument;

namespace Durable.Actors.Tests.Configuration.Hocon;

public class HoconMergeTests
{
    [Fact]
    public void Path_keys_expand_into_nested_objects()
    {
        var data = Load("a.b.c = 1\na.b.d = 2\nx { y.z = 3 }");

        Assert.Equal("1", data["a:b:c"]);
        Assert.Equal("2", data["a:b:d"]);
        Assert.Equal("3", data["x:y:z"]);
    }

    [Fact]
    public void Quoted_path_segments_keep_their_dots()
    {
        var data = Load("\"a.b\".c = 1\nd.\"e.f\" = 2\n10.0 = ten");

        Assert.Equal("1", data["a.b:c"]);
        Assert.Equal("2", data["d:e.f"]);
        Assert.Equal("ten", data["10:0"]);
    }

    [Fact]
    public void Repeated_objects_merge_and_later_values_win()
    {
        var data = Load("""
            server { host = localhost, port = 80, tls { enabled = false } }
            server { port = 8080, tls.cert = x.pem }
            server.tls.enabled = true
            """);

        Assert.Equal("localhost", data["server:host"]);
        Assert.Equal("8080", data["server:port"]);
        Assert.Equal("true", data["server:tls:enabled"]);
        Assert.Equal("x.pem", data["server:tls:cert"]);
    }

    [Fact]
    public void Duplicate_keys_inside_one_object_literal_merge()
    {
        var data = Load("a { b { x = 1 }, b { y = 2 }, c = 1, c = 2 }");

        Assert.Equal("1", data["a:b:x"]);
        Assert.Equal("2", data["a:b:y"]);
        Assert.Equal("2", data["a:c"]);
    }

    [Fact]
    public void A_non_object_value_replaces_an_earlier_object_and_an_object_replaces_a_non_object()
    {
        var data = Load("a { x = 1 }\na = 5\nb = 5\nb { y = 2 }\nc { z = 1 }\nc = null");

        Assert.Equal("5", data["a"]);
        Assert.False(data.ContainsKey("a:x"));
        Assert.Equal("2", data["b:y"]);
        Assert.Null(data["c"]);
        Assert.False(data.ContainsKey("c:z"));
    }

    [Fact]
    public void Arrays_flatten_to_indexed_keys()
    {
        var data = Load("""
            hosts = [ "a", b
              c ]
            nested = [[1, 2], [3]]
            nodes = [ { name = n1, port = 1 }, { name = n2 } ]
            """);

        Assert.Equal("a|b|c", Joined(data, "hosts:0", "hosts:1", "hosts:2"));
        Assert.Equal("1|2|3", Joined(data, "nested:0:0", "nested:0:1", "nested:1:0"));
        Assert.Equal("n1", data["nodes:0:name"]);
        Assert.Equal("1", data["nodes:0:port"]);
        Assert.Equal("n2", data["nodes:1:name"]);
    }

    [Fact]
    public void An_array_replaces_an_earlier_array_rather_than_merging()
    {
        var data = Load("a = [1, 2, 3]\na = [4]");

        Assert.Equal("4", data["a:0"]);
        Assert.False(data.ContainsKey("a:1"));
    }

    [Fact]
    public void Empty_objects_and_arrays_keep_their_key_with_a_null_value()
    {
        var data = Load("a {}\nb = []");

        Assert.Null(data["a"]);
        Assert.Null(data["b"]);
        Assert.Equal(2, data.Count);
    }

    [Fact]
    public void Plus_equals_appends_to_an_array_and_starts_one_when_there_is_none()
    {
        var data = Load("a = [1]\na += 2\na += { x = 3 }\nb += only\nc { d += 1, d += 2 }");

        Assert.Equal("1|2|3", Joined(data, "a:0", "a:1", "a:2:x"));
        Assert.Equal("only", data["b:0"]);
        Assert.Equal("1|2", Joined(data, "c:d:0", "c:d:1"));
    }

    [Fact]
    public void Plus_equals_onto_a_string_fails_at_the_field()
    {
        var error = Fails("a = x\na += y");

        Assert.Equal((2, 1), (error.Line, error.Column));
        Assert.Contains("cannot concatenate", error.Message);
    }

    [Fact]
    public void Arrays_concatenate_when_written_side_by_side()
    {
        var data = Load("a = [1, 2] [3]");

        Assert.Equal("1|2|3", Joined(data, "a:0", "a:1", "a:2"));
    }

    [Fact]
    public void Objects_concatenate_when_written_side_by_side()
    {
        var data = Load("a = { x = 1, y = 1 } { y = 2 }");

        Assert.Equal("1", data["a:x"]);
        Assert.Equal("2", data["a:y"]);
    }

    [Fact]
    public void Keys_differing_only_in_case_collide_in_configuration()
    {
        var error = Fails("Durable.Port = 1\ndurable.port = 2");

        Assert.Equal((2, 16), (error.Line, error.Column));
        Assert.Contains("case-insensitive", error.Message);
    }

    [Fact]
    public void Differently_cased_parents_still_combine_into_one_section()
    {
        var data = Load("Durable.A = 1\ndurable.B = 2");

        Assert.Equal("1", data["durable:a"]);
        Assert.Equal("2", data["DURABLE:B"]);
    }
}
