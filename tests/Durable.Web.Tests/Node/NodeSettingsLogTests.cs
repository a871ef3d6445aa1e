using Durable.Web.Node;
using Microsoft.Extensions.Configuration;

namespace Durable.Web.Tests.Node;

public sealed class NodeSettingsLogTests
{
    [Fact]
    public void Settings_are_listed_in_key_order_with_secrets_masked()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Durable:Storage:Provider"] = "postgres",
            ["Durable:Storage:Postgres:ConnectionString"] = "Host=db;Password=hunter2",
            ["Durable:Ids:Secret"] = "0123456789abcdef",
            ["Durable:Objects:IdleTimeout"] = "70s",
            ["Other:Key"] = "not shown",
        }).Build();

        var line = NodeSettingsLog.Describe(configuration.GetSection("Durable"));

        Assert.Equal("Ids:Secret=***, Objects:IdleTimeout=70s, Storage:Postgres:ConnectionString=***, Storage:Provider=postgres", line);
    }
}
