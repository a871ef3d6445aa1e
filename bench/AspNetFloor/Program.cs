// What any ASP.NET Core app costs on this machine before it does anything: Kestrel on the given --urls, one route
// answering the cold-start probe (GET /ns/echo/name/cold/), the slim builder as the node uses. bench/edge/run.sh
// measures its cold start and idle RSS beside the node's, so the node's own share of both can be read off.
// Like the node, no configuration file is watched (reload-on-change watches every directory under the working directory).
var builder = WebApplication.CreateSlimBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
var app = builder.Build();
app.MapGet("/ns/echo/name/{name}/", () => "ok");
app.Run();
