using System.Text.Json;
using Akka.Configuration;
using Durable.Cluster.Hosting;

namespace Durable.Cluster.Membership;

/// <summary>
/// The Akka settings of a cluster of several nodes on the akka engine. <see cref="Defaults"/> sit under the node's own
/// HOCON (hocon/durable.conf documents every one of them, with its trade-off); <see cref="Overrides"/> come from
/// <see cref="ClusterOptions"/> and win over the file.
/// </summary>
internal static class ClusterHocon
{
    /// <summary>Where the PostgreSQL lease's settings are (sharding's <c>use-lease</c> and the split brain resolver's
    /// <c>lease-implementation</c> name this path).</summary>
    public const string LeasePath = "akka.coordination.lease.durable-postgres";

    // Failover budget for a kill -9 (10 s): unreachable after heartbeat-interval + acceptable-heartbeat-pause (~4 s, when
    // the events waiting on it fail with 503 owner_unreachable), downed by the SBR stable-after later (~5.5 s), removed at
    // the leader's next action, its shards re-homed (regions retry the coordinator every sharding retry-interval); their
    // leases, last renewed at the kill, expired at heartbeat-timeout (5 s) by then; a shard that asks too early retries
    // after lease-retry-interval.
    public static readonly Config Defaults = ConfigurationFactory.ParseString($$"""
        akka.cluster {
          downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
          leader-actions-interval = 500ms
          failure-detector {
            heartbeat-interval = 1s
            acceptable-heartbeat-pause = 2s
            threshold = 8.0
          }
          split-brain-resolver {
            active-strategy = lease-majority
            stable-after = 1.5s
            lease-majority {
              lease-implementation = "{{LeasePath}}"
              acquire-lease-delay-for-minority = 2s
            }
          }
          sharding {
            use-lease = "{{LeasePath}}"
            lease-retry-interval = 1s
            retry-interval = 1s
          }
        }
        {{LeasePath}} {
          lease-class = "{{typeof(PostgresLease).AssemblyQualifiedName}}"
          heartbeat-timeout = 5s
          heartbeat-interval = 1s
          lease-operation-timeout = 3s
          safety-margin = 1s
        }
        """);

    public static Config Overrides(ClusterOptions options, string connectionString)
    {
        var seeds = string.Join(", ", options.SeedNodeList.Select(Quote));
        var hocon = $$"""
            akka.remote.dot-netty.tcp {
              hostname = {{Quote(options.Hostname)}}
              public-hostname = {{Quote(options.Hostname)}}
              port = {{options.Port}}
            }
            {{LeasePath}}.connection-string = {{Quote(connectionString)}}
            """;
        if (seeds.Length > 0) hocon += $"\nakka.cluster.seed-nodes = [{seeds}]";
        return ConfigurationFactory.ParseString(hocon);
    }

    // A JSON string literal is a HOCON quoted string.
    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
