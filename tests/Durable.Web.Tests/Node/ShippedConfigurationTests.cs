using System.Reflection;
using Durable.Cluster.Hosting;
using Durable.Hosting;
using Durable.Web.Edge;
using Durable.Web.Node;
using Durable.Web.Samples;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Durable.Web.Tests.Node;

/// <summary>The shipped <c>hocon/durable.conf</c> and <c>hocon/cluster.conf</c>, read by Akka's parser as the node reads them.</summary>
public sealed class ShippedConfigurationTests
{
    private static readonly string Hocon = Path.Combine(AppContext.BaseDirectory, "hocon");

    [Fact]
    public void Every_setting_in_durable_conf_binds_validates_and_equals_the_default_in_code()
    {
        using var app = BuildNode();
        var services = app.Services;

        AssertDefaults(services.GetRequiredService<IOptions<DurableObjectsOptions>>().Value);
        AssertDefaults(services.GetRequiredService<IOptions<DurableIdOptions>>().Value);
        AssertDefaults(services.GetRequiredService<IOptions<DurableWebSocketOptions>>().Value);
        AssertDefaults(services.GetRequiredService<IOptions<DurableEdgeOptions>>().Value);
        AssertDefaults(services.GetRequiredService<IOptions<SqliteStorageOptions>>().Value);
        AssertDefaults(Bind<NodeStorageOptions>(app.Configuration, NodeStorageOptions.SectionName));
        AssertDefaults(Bind<PostgresStorageOptions>(app.Configuration, PostgresStorageOptions.SectionName), except: "ConnectionString");
        AssertDefaults(Bind<ClusterOptions>(app.Configuration, ClusterOptions.SectionName));
        // Nothing after the first ${?...} or anywhere else in the file was dropped on the way.
        Assert.Equal(["Cluster", "Edge", "Ids", "Objects", "Storage", "WebSockets"], Children(app.Configuration.GetSection("Durable")));
        Assert.Equal(["Postgres", "Provider", "Sqlite"], Children(app.Configuration.GetSection("Durable:Storage")));
        Assert.Equal("None", app.Configuration["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"]);
        Assert.Equal("http://127.0.0.1:8787", app.Configuration["urls"]);
    }

    [Fact]
    public void Cluster_settings_of_durable_conf_validate_in_a_cluster_node()
    {
        using var app = BuildNode("--Durable:Cluster:Enabled=true", "--Durable:Storage:Provider=postgres",
            "--Durable:Storage:Postgres:ConnectionString=Host=127.0.0.1;Database=durable");

        var cluster = app.Services.GetRequiredService<IOptions<ClusterOptions>>().Value;
        Assert.Equal("127.0.0.1", cluster.Hostname);
        Assert.Equal("Host=127.0.0.1;Database=durable", cluster.ConnectionString);
        Assert.Equal("Host=127.0.0.1;Database=durable", app.Services.GetRequiredService<IOptions<PostgresStorageOptions>>().Value.ConnectionString);
    }

    [Fact]
    public void Cluster_conf_includes_durable_conf_and_overrides_the_storage_and_cluster_keys()
    {
        var configuration = new ConfigurationBuilder().AddDurableHoconFile(Path.Combine(Hocon, "cluster.conf")).Build();

        Assert.Equal("postgres", configuration["Durable:Storage:Provider"]);
        Assert.Equal("true", configuration["Durable:Cluster:Enabled"]);
        Assert.Equal("70s", configuration["Durable:Objects:IdleTimeout"]);
        Assert.Equal([Path.Combine(Hocon, "cluster.conf"), Path.Combine(Hocon, "durable.conf")], configuration.GetDurableHoconFile()!.Files);
    }

    private static WebApplication BuildNode(params string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
        builder.Configuration.AddDurableNodeConfiguration(args);
        builder.Services.AddDurableObjects(objects => objects.AddSamples())
            .UseConfiguredEngine(builder.Configuration);
        builder.Services.AddDurableEdge();
        return builder.Build();
    }

    private static T Bind<T>(IConfiguration configuration, string section) where T : class, new()
    {
        var options = new T();
        Durable.Configuration.DurableSettingBinder.Bind(configuration, section, options);
        return options;
    }

    private static void AssertDefaults<T>(T bound, string? except = null) where T : new()
    {
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanWrite || property.Name == except || !IsSetting(property.PropertyType)) continue;
            Assert.True(Equals(property.GetValue(new T()), property.GetValue(bound)),
                $"{typeof(T).Name}.{property.Name}: durable.conf gives {property.GetValue(bound)}, the code {property.GetValue(new T())}");
        }
    }

    private static bool IsSetting(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan);
    }

    private static string[] Children(IConfigurationSection section) =>
        section.GetChildren().Select(c => c.Key).Order(StringComparer.Ordinal).ToArray();
}
