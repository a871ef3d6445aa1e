using Inventory;

// An application with its own durable object: one Stock object per SKU behind the HTTP edge, journaled to SQLite.
//   dotnet run --project samples/Inventory        # http://127.0.0.1:8790, data in samples/Inventory/data/durable.db
//   curl -X POST 'http://127.0.0.1:8790/ns/stock/name/sku-42/restock?qty=5'
// Settings come from appsettings.json, the environment and the command line as in any ASP.NET Core app:
//   dotnet run --project samples/Inventory -- --urls http://127.0.0.1:9000 --Durable:Storage:Sqlite:Path=/tmp/inventory.db
var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls(builder.Configuration["urls"] ?? "http://127.0.0.1:8790");
builder.Services.AddDurableObjects(objects => objects.AddNamespace<Stock>("stock"))
    .UseAkkaObjects(ObjectJournal.Sqlite());      // or ObjectJournal.Postgres(), or no journal: Akka's in-memory one
builder.Services.AddDurableEdge();                // edge settings and /metrics; optional
var app = builder.Build();
app.MapDurableObjects();                          // /ns/..., POST /ns/{ns}/ids, /socket/websocket, /healthz, /metrics
app.Run();
