using Durable.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace Durable.Actors.Tests.Internal;

public sealed class NamespaceRegistrationTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddSingleton(new Greeting("hello")).BuildServiceProvider();

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("dot.ted")]
    [InlineData("ümlaut")]
    public void Invalid_namespace_names_are_refused(string name) =>
        Assert.Contains("is invalid", Assert.Throws<ArgumentException>(() => new NamespaceRegistration(name, typeof(Plain))).Message);

    [Fact]
    public void Names_of_64_allowed_characters_are_accepted_and_65_are_not()
    {
        Assert.Equal(64, new NamespaceRegistration(new string('a', 60) + "_-Z9", typeof(Plain)).Name.Length);
        Assert.Throws<ArgumentException>(() => new NamespaceRegistration(new string('a', 65), typeof(Plain)));
    }

    [Fact]
    public void Constructor_gets_services_and_the_default_of_an_optional_parameter_nothing_provides()
    {
        var instance = (WithServices)new NamespaceRegistration("ok", typeof(WithServices)).Create(Services, null!);
        Assert.Equal("hello", instance.Greeting.Text);
        Assert.Equal(7, instance.Retries);
        Assert.Same(instance.Greeting, instance.Env.GetService<Greeting>());
    }

    [Fact]
    public void Missing_service_names_the_type_and_the_object_class()
    {
        var registration = new NamespaceRegistration("ok", typeof(NeedsMissing));
        var error = Assert.Throws<InvalidOperationException>(() => registration.Create(Services, null!));
        Assert.Contains(nameof(Uri), error.Message);
        Assert.Contains(nameof(NeedsMissing), error.Message);
    }

    [Fact]
    public void The_marked_constructor_wins_and_equal_length_constructors_without_a_mark_are_refused()
    {
        Assert.Equal("marked", ((TwoConstructors)new NamespaceRegistration("ok", typeof(TwoConstructors)).Create(Services, null!)).Used);
        Assert.Contains("ActivatorUtilitiesConstructor",
            Assert.Throws<ArgumentException>(() => new NamespaceRegistration("ok", typeof(Ambiguous))).Message);
    }

    public sealed record Greeting(string Text);

    public sealed class Plain : DurableObject;

    public sealed class WithServices(DurableObjectState state, Greeting greeting, IServiceProvider env, int retries = 7) : DurableObject
    {
        public DurableObjectState State { get; } = state;
        public Greeting Greeting { get; } = greeting;
        public IServiceProvider Env { get; } = env;
        public int Retries { get; } = retries;
    }

    public sealed class NeedsMissing(Uri missing) : DurableObject
    {
        public Uri Missing { get; } = missing;
    }

    public sealed class TwoConstructors : DurableObject
    {
        public TwoConstructors(Greeting greeting, DurableObjectState state) => Used = "longest";

        [ActivatorUtilitiesConstructor]
        public TwoConstructors(Greeting greeting) => Used = "marked";

        public string Used { get; }
    }

    public sealed class Ambiguous : DurableObject
    {
        public Ambiguous(Greeting greeting) { }

        public Ambiguous(DurableObjectState state) { }
    }
}
