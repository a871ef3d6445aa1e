namespace Durable.Configuration.Hocon;

/// <summary>A configuration provider that can say where in its HOCON text each key was set.</summary>
internal interface IHoconSourceMap
{
    bool TryGetSource(string key, out HoconPosition position);
}
