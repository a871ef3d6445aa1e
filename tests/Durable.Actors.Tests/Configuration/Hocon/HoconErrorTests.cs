using Durable.Configuration.Hocon;
using static Durable.Actors.Tests.Configuration.Hocon.HoconTestDocument;

namespace Durable.Actors.Tests.Configuration.Hocon;

public class HoconErrorTests
{
    [Theory]
    [InlineData("a {\n  b\n}", 2, 4, "expected '=' or ':' after key \"b\"")]
    [InlineData("a = 1\nb 2 [", 2, 5, "expected '=' or ':' after key \"b 2\"")]
    [InlineData("a = \"abc", 1, 5, "unterminated quoted string")]
    [InlineData("a = \"abc\nb = 1", 1, 5, "unterminated quoted string")]
    [InlineData("a = \"\"\"abc\n", 1, 5, "unterminated triple-quoted string")]
    [InlineData("a {\n  b = 1\n", 3, 1, "unbalanced braces: input ends before the '}' closing the object opened at 1:3")]
    [InlineData("a = 1\n}", 2, 1, "unbalanced '}'")]
    [InlineData("a = [1, 2\n", 2, 1, "unbalanced brackets")]
    [InlineData("a = [1, 2}", 1, 10, "expected ',' or ']' after an array element, found '}'")]
    [InlineData("a = { b = 1 ]", 1, 13, "expected ',' or a newline after the value, found ']'")]
    [InlineData("a = \"x\\qy\"", 1, 7, "invalid escape '\\q'")]
    [InlineData("a = \"\\u12G4\"", 1, 6, "invalid escape '\\u'")]
    [InlineData("a = ${}", 1, 5, "empty substitution")]
    [InlineData("a = ${b", 1, 5, "unterminated substitution")]
    [InlineData("a = ${b{c}", 1, 8, "invalid character '{' in substitution")]
    [InlineData("a = $b", 1, 5, "'$' must start a substitution")]
    [InlineData("a = ${b..c}", 1, 5, "invalid path 'b..c'")]
    [InlineData("a = b@c", 1, 6, "reserved character '@'")]
    [InlineData("a = b+c", 1, 6, "reserved character '+'")]
    [InlineData("a = 1,, b = 2", 1, 7, "two commas in a row")]
    [InlineData("{ , a = 1 }", 1, 3, "expected a key, found ','")]
    [InlineData("a..b = 1", 1, 1, "invalid path 'a..b'")]
    [InlineData(".a = 1", 1, 1, "invalid path '.a'")]
    [InlineData("[1, 2]", 1, 1, "must be an object")]
    [InlineData("{ a = 1 } b = 2", 1, 11, "unexpected 'b' after the root object")]
    [InlineData("a =", 1, 4, "expected a value for key \"a\", found end of input")]
    [InlineData("a = b = c", 1, 7, "expected ',' or a newline after the value, found '='")]
    [InlineData("x {\n  include foo(\"a.conf\")\n}", 2, 11, "unknown include form 'foo('")]
    [InlineData("include url(\"http://x/a.conf\")", 1, 9, "include url(...) is not supported")]
    [InlineData("include file(\"a.conf\"", 1, 22, "expected ')' to close the include")]
    [InlineData("include file(\"a.conf\")) ", 1, 22, "expected ')' to close the include")]
    public void Malformed_input_fails_naming_line_and_column(string text, int line, int column, string reason)
    {
        var error = Fails(text);

        Assert.Equal(("test.conf", line, column), (error.File, error.Line, error.Column));
        Assert.StartsWith($"test.conf:{line}:{column}: ", error.Message);
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public void Deep_nesting_fails_instead_of_overflowing_the_stack()
    {
        var error = Fails("a = " + new string('[', 100_000));

        Assert.Equal((1, 205), (error.Line, error.Column));
        Assert.Contains("nested deeper than 200", error.Message);
    }

    [Fact]
    public void A_long_substitution_chain_fails_instead_of_overflowing_the_stack()
    {
        var text = string.Join('\n', Enumerable.Range(0, 100_000).Select(i => $"a{i} = ${{a{i + 1}}}")) + "\na100000 = end";

        Assert.Contains("substitutions nested deeper than", Fails(text).Message);
    }

    [Fact]
    public void Every_truncation_and_corruption_of_a_document_parses_or_fails_with_a_position()
    {
        const string document = """"
            # sample
            durable {
              storage { provider = sqlite, path = "data/durable.db" }
              cluster.hosts = [ "a:1", b, { c = 1 } ]
              text = """multi
            line"""
              home = ${?HOME}"/x"
              list += 1
              base = ${durable.storage} { extra = "\u0041\n" }
            }
            """";
        var random = new Random(1234);
        var alphabet = "{}[]\"$?:=,+#/\\.\n ax1";
        var inputs = Enumerable.Range(0, document.Length).Select(n => document[..n]).ToList();
        for (var i = 0; i < 2000; i++)
        {
            var chars = document.ToCharArray();
            chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            inputs.Add(new string(chars));
        }

        foreach (var input in inputs)
        {
            try
            {
                Load(input);
            }
            catch (HoconParseException e)
            {
                Assert.InRange(e.Line, 1, 20);
                Assert.InRange(e.Column, 1, 80);
            }
        }
    }
}
