using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Durable.Web.WebSockets;

/// <summary>Puts ASP.NET Core's WebSocket middleware first in the pipeline, so object routes and the Phoenix socket can upgrade.</summary>
internal sealed class WebSocketStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseWebSockets();
        next(app);
    };
}
