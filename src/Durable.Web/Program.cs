using Durable.Web.Node;
using Durable.Web.Samples;

// The Durable node: the sample objects (counter, kv, chat, echo) behind the HTTP edge, on http://127.0.0.1:8787.
// Settings: hocon/durable.conf < environment (Durable__X__Y) < command line (--Durable:X:Y=v); an invalid one stops the
// node with a message naming it (exit code 2), as does an address another process listens on (exit code 3).
// SIGTERM or Ctrl-C: stop accepting, drain, flush storage, exit 0.
return await NodeStartup.RunAsync(async () =>
{
    // Settings are read and validated once, at start, so no configuration file is watched: ASP.NET Core's default
    // reload-on-change puts an inotify watch on every directory under the content root (the working directory) before
    // the node can answer: ~2,000 directories from a repository checkout, 30-130 ms of a cold start (bench/README.md,
    // "Session 6"). --hostBuilder:reloadConfigOnChange=true on the command line turns it back on.
    var builder = WebApplication.CreateSlimBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
    builder.Configuration.AddDurableNodeConfiguration(args);

    builder.Services.AddDurableObjects(objects => objects.AddSamples())
        .UseConfiguredEngine(builder.Configuration);
    builder.Services.AddDurableEdge();
    builder.Services.AddDurableNode();

    await using var app = builder.Build();
    app.UseDurableStatusPages();
    app.MapDurableObjects();
    app.MapSampleSite();
    await app.RunAsync();
});
