using Inventory;

// An application with its own durable object: one Stock object per SKU behind the HTTP edge, journaled to SQLite.
//   dotnet run --project samples/Inventory                     # http://127.0.0.1:8790, data in samples/Inventory/data/
//   curl -X POST 'http://127.0.0.1:8790/ns/stock/name/sku-42/restock?qty=5'
// Settings come from appsettings.json, the environment and the command line, as in any ASP.NET Core app
// (--urls http://127.0.0.1:9000, --Durable:Storage:Sqlite:Path=/var/lib/inventory.db).
var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls(builder.Configuration["urls"] ?? "http://127.0.0.1:8790");

builder.Services.AddDurableObjects(objects => objects.AddNamespace<Stock>("stock"))
    .UseSqliteStorage();
builder.Services.AddDurableEdge();

var app = builder.Build();
app.MapDurableObjects();
app.Run();
