using Durable.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Actors.Tests;

public class DurableObjectIdTests
{
    private const string Secret = "a shared test secret of enough length";

    [Fact]
    public async Task Same_name_gives_the_same_id_on_runtimes_sharing_a_secret()
    {
        await using var one = await StartWithSecret(Secret);
        await using var two = await StartWithSecret(Secret);

        var a = one.Namespace("counter").IdFromName("alice");
        var b = two.Namespace("counter").IdFromName("alice");

        Assert.Equal(a.ToString(), b.ToString());
        Assert.Equal(a, two.Namespace("counter").IdFromString(a.ToString()));
        Assert.Equal("alice", a.Name);
        Assert.Matches("^[0-9a-f]{64}$", a.ToString());
    }

    [Fact]
    public async Task Different_secrets_give_different_ids_and_reject_each_other()
    {
        await using var one = await StartWithSecret(Secret);
        await using var two = await StartWithSecret("another secret entirely, also long");

        var a = one.Namespace("counter").IdFromName("alice");

        Assert.NotEqual(a.ToString(), two.Namespace("counter").IdFromName("alice").ToString());
        Assert.Throws<InvalidDurableObjectIdException>(() => two.Namespace("counter").IdFromString(a.ToString()));
    }

    [Fact]
    public async Task Different_names_and_namespaces_give_different_ids()
    {
        await using var kit = await Kit.StartAsync();

        var ids = new[]
        {
            kit.IdFromName("counter", "a"), kit.IdFromName("counter", "b"), kit.IdFromName("storage", "a"),
        }.Select(i => i.ToString()).ToHashSet();

        Assert.Equal(3, ids.Count);
    }

    [Fact]
    public async Task A_million_unique_ids_never_repeat_and_all_parse_back()
    {
        await using var kit = await Kit.StartAsync();
        var ns = kit.Namespace("counter");
        var seen = new HashSet<string>(1_000_000);

        for (var i = 0; i < 1_000_000; i++)
            Assert.True(seen.Add(ns.NewUniqueId().ToString()), $"id {i} repeated an earlier one");

        var sample = ns.NewUniqueId();
        Assert.Equal(sample, ns.IdFromString(sample.ToString()));
        Assert.Null(sample.Name);
    }

    [Fact]
    public async Task Id_of_another_namespace_is_rejected()
    {
        await using var kit = await Kit.StartAsync();
        var foreign = kit.IdFromName("storage", "x").ToString();

        var error = Assert.Throws<InvalidDurableObjectIdException>(() => kit.Namespace("counter").IdFromString(foreign));

        Assert.Equal("invalid_id", error.Code);
        Assert.Contains("not made for this namespace", error.Message);
        Assert.Throws<InvalidDurableObjectIdException>(() => kit.Namespace("counter").Get(kit.IdFromName("storage", "x")));
    }

    [Theory]
    [InlineData("", "has 0 characters")]
    [InlineData("abc", "has 3 characters")]
    [InlineData("00000000000000000000000000000000000000000000000000000000000000000", "has 65 characters")]
    [InlineData("zz00000000000000000000000000000000000000000000000000000000000000", "not hexadecimal")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", "not made for this namespace")]
    public async Task Malformed_or_forged_ids_are_rejected_with_the_reason(string value, string reason)
    {
        await using var kit = await Kit.StartAsync();

        var error = Assert.Throws<InvalidDurableObjectIdException>(() => kit.Namespace("counter").IdFromString(value));

        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public async Task Id_with_one_flipped_bit_is_rejected_and_uppercase_hex_is_accepted()
    {
        await using var kit = await Kit.StartAsync();
        var id = kit.IdFromName("counter", "bits").ToString();
        var flipped = (id[0] == '0' ? '1' : '0') + id[1..];

        Assert.Throws<InvalidDurableObjectIdException>(() => kit.Namespace("counter").IdFromString(flipped));
        Assert.Equal(id, kit.Namespace("counter").IdFromString(id.ToUpperInvariant()).ToString());
    }

    private static Task<DurableTestRuntime> StartWithSecret(string secret) =>
        Kit.StartAsync(services: s => s.Configure<Hosting.DurableIdOptions>(o => o.Secret = secret));
}

/// <summary>Ids are stored (journal keys, bookmarks): their derivation must never change between versions.</summary>
public sealed class IdDerivationTests
{
    [Fact]
    public async Task Name_ids_are_the_documented_hmac_derivation_on_every_thread()
    {
        var secret = System.Text.Encoding.UTF8.GetBytes("a shared test secret of enough length");
        var codec = new Durable.Internal.IdCodec(secret);
        var expected = Derive(secret, "counter", "alice");

        Assert.Equal(expected, codec.FromName("counter", "alice").ToString());
        // Names not seen yet, so each thread derives with its own keyed HMACs rather than finding a cached id.
        var others = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => codec.FromName("counter", $"alice-{i}").ToString())));
        Assert.Equal(Enumerable.Range(0, 4).Select(i => Derive(secret, "counter", $"alice-{i}")), others);
        // A second codec on the same thread (another secret) does not reuse the first one's keys or ids.
        Assert.NotEqual(expected, new Durable.Internal.IdCodec(System.Text.Encoding.UTF8.GetBytes("another secret entirely, also long")).FromName("counter", "alice").ToString());
        Assert.Equal(expected, codec.FromName("counter", "alice").ToString());
        Assert.Equal(expected, codec.Parse("counter", expected).ToString());
    }

    [Fact]
    public void The_name_cache_stays_bounded_and_never_changes_an_id()
    {
        var secret = System.Text.Encoding.UTF8.GetBytes("a shared test secret of enough length");
        var codec = new Durable.Internal.IdCodec(secret);
        var first = codec.FromName("counter", "n0");
        Assert.Same(first, codec.FromName("counter", "n0"));
        Assert.NotEqual(codec.FromName("counter", "n0"), codec.FromName("kv", "n0"));

        for (var i = 0; i < 3 * Durable.Internal.IdCodec.NameCacheCapacity; i++)
        {
            codec.FromName("counter", $"n{i}");
            Assert.InRange(codec.CachedNames, 1, Durable.Internal.IdCodec.NameCacheCapacity);
        }
        foreach (var i in new[] { 0, 1, Durable.Internal.IdCodec.NameCacheCapacity + 7, 3 * Durable.Internal.IdCodec.NameCacheCapacity - 1 })
            Assert.Equal(Derive(secret, "counter", $"n{i}"), codec.FromName("counter", $"n{i}").ToString());
    }

    // nameKey = HMAC(secret, "durable/id/name"), macKey = HMAC(secret, "durable/id/mac"); framed = be32(len(ns)) ns payload;
    // id = HMAC(nameKey, framed(ns, name))[..16] ++ HMAC(macKey, framed(ns, first half))[..16], lowercase hex.
    private static string Derive(byte[] secret, string ns, string name)
    {
        var nameKey = System.Security.Cryptography.HMACSHA256.HashData(secret, "durable/id/name"u8);
        var macKey = System.Security.Cryptography.HMACSHA256.HashData(secret, "durable/id/mac"u8);
        var first = System.Security.Cryptography.HMACSHA256.HashData(nameKey, Framed(ns, System.Text.Encoding.UTF8.GetBytes(name)))[..16];
        var mac = System.Security.Cryptography.HMACSHA256.HashData(macKey, Framed(ns, first))[..16];
        return Convert.ToHexStringLower([.. first, .. mac]);
    }

    private static byte[] Framed(string ns, byte[] payload)
    {
        var nsBytes = System.Text.Encoding.UTF8.GetBytes(ns);
        var length = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, nsBytes.Length);
        return [.. length, .. nsBytes, .. payload];
    }
}
