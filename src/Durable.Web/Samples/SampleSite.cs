using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Durable.Web.Samples;

/// <summary>
/// The node's small web site: <c>GET /</c> lists the samples, <c>GET /chat?room=R</c> is the chat page, and
/// <c>GET /assets/phoenix.mjs</c> is the official Phoenix client the build copied from npm (no CDN).
/// </summary>
public static class SampleSite
{
    public static IEndpointRouteBuilder MapSampleSite(this IEndpointRouteBuilder endpoints)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        // Plain request delegates: a lambda returning IResult would go through the request delegate factory, which
        // compiles an expression tree per route at start-up (time and memory the node spends for three static files).
        endpoints.MapGet("/", context => File(root, "index.html", "text/html; charset=utf-8").ExecuteAsync(context));
        endpoints.MapGet("/chat", context => File(root, "chat.html", "text/html; charset=utf-8").ExecuteAsync(context));
        endpoints.MapGet("/assets/phoenix.mjs", context => File(root, "assets/phoenix.mjs", "text/javascript; charset=utf-8").ExecuteAsync(context));
        return endpoints;
    }

    private static IResult File(string root, string name, string contentType)
    {
        var path = Path.Combine(root, name);
        return System.IO.File.Exists(path)
            ? Results.File(path, contentType)
            : Results.Json(new { error = new { code = "not_found", message = $"{name} is not installed next to the node; build src/Durable.Web with npm available (or run scripts/prepare-browser.sh)." } },
                statusCode: StatusCodes.Status404NotFound);
    }
}
