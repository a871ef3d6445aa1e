using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Runtime;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;

// The live managed heap of a running .NET process, by type, after a full GC: what an idle WebSocket keeps.
//   HeapSnapshot <pid> <out.tsv> [label]   full GC (as dotnet-gcdump induces it), then live bytes and count per type
//                                          (reachable from roots) into out.tsv, and "type <- first referrer" into
//                                          out.tsv.edges (with a label: out.label.tsv and out.label.tsv.edges); prints the heap's committed, all and live bytes
//   HeapSnapshot diff <a.tsv> <b.tsv> <n>  per-type growth from a to b, divided by n (bytes and objects per socket)
//   HeapSnapshot allocs <pid> <seconds>    what the process allocates, by type: the runtime's allocation samples (one
//                                          per ~100 KB allocated) for that long, each counted with the bytes it stands for
//   HeapSnapshot gcs <pid> <seconds>       the process's collections for that long: count by generation and kind, and
//                                          the pauses (suspension to restart) as total, p50, p99 and max
if (args is ["allocs", var allocPid, var secondsText])
{
    Allocations(int.Parse(allocPid), int.Parse(secondsText));
    return 0;
}
if (args is ["gcs", var gcPid, var gcSeconds])
{
    Collections(int.Parse(gcPid), int.Parse(gcSeconds));
    return 0;
}
if (args is ["diff", var before, var after, var count])
{
    Diff(Load(before), Load(after), int.Parse(count));
    return 0;
}
if (args is not [var pidText, var output, .. var label] || label.Length > 1 || !int.TryParse(pidText, out var pid))
{
    Console.Error.WriteLine("usage: HeapSnapshot <pid> <out.tsv> [label] | HeapSnapshot diff <a.tsv> <b.tsv> <n> | HeapSnapshot allocs|gcs <pid> <seconds>");
    return 2;
}
InduceFullGc(pid);
Snapshot(pid, label is [var l] ? Path.ChangeExtension(output, $".{l}.tsv") : output);
return 0;

static void Allocations(int pid, int seconds)
{
    var providers = new[] { new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, (long)ClrTraceEventParser.Keywords.GC) };
    using var session = new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: false);
    var byType = new Dictionary<string, long>();
    long total = 0;
    using var source = new EventPipeEventSource(session.EventStream);
    source.Clr.GCAllocationTick += sample =>
    {
        var type = sample.TypeName ?? "?";
        byType[type] = byType.GetValueOrDefault(type) + sample.AllocationAmount64;
        total += sample.AllocationAmount64;
    };
    var stop = Task.Delay(TimeSpan.FromSeconds(seconds)).ContinueWith(_ => session.Stop());
    source.Process();
    stop.Wait();
    Console.WriteLine($"allocated {total:N0} bytes in {seconds} s (sampled)");
    foreach (var (type, bytes) in byType.OrderByDescending(p => p.Value).Take(40))
        Console.WriteLine($"{100.0 * bytes / Math.Max(1, total),6:F2} %  {type}");
}

static void Collections(int pid, int seconds)
{
    var providers = new[] { new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, (long)ClrTraceEventParser.Keywords.GC) };
    using var session = new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: false);
    var byKind = new Dictionary<string, int>();
    var pauses = new List<double>();
    double suspended = -1;
    using var source = new EventPipeEventSource(session.EventStream);
    source.Clr.GCStart += gc =>
    {
        var kind = $"gen{gc.Depth} {gc.Type}";
        byKind[kind] = byKind.GetValueOrDefault(kind) + 1;
    };
    source.Clr.GCSuspendEEStart += e => suspended = e.TimeStampRelativeMSec;
    source.Clr.GCRestartEEStop += e =>
    {
        if (suspended >= 0) pauses.Add(e.TimeStampRelativeMSec - suspended);
        suspended = -1;
    };
    var stop = Task.Delay(TimeSpan.FromSeconds(seconds)).ContinueWith(_ => session.Stop());
    source.Process();
    stop.Wait();
    pauses.Sort();
    double At(double q) => pauses.Count == 0 ? 0 : pauses[Math.Min(pauses.Count - 1, (int)(q * pauses.Count))];
    Console.WriteLine($"{pauses.Count} pauses in {seconds} s: total {pauses.Sum():F1} ms, p50 {At(0.5):F2} ms, p99 {At(0.99):F2} ms, max {(pauses.Count == 0 ? 0 : pauses[^1]):F2} ms");
    foreach (var (kind, count) in byKind.OrderBy(p => p.Key)) Console.WriteLine($"{count,6}  {kind}");
}

static void InduceFullGc(int pid)
{
    // The GCHeapCollect keyword (0x800000) makes the runtime run a blocking gen2 collection when the session starts.
    var providers = new[] { new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, 0x800000 | 0x1) };
    using var session = new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: false);
    var drain = Task.Run(() => session.EventStream.CopyTo(Stream.Null));
    Thread.Sleep(1500);
    session.Stop();
    drain.Wait(TimeSpan.FromSeconds(5));
}

static void Snapshot(int pid, string output)
{
    using var target = DataTarget.AttachToProcess(pid, suspend: true);
    var heap = target.ClrVersions[0].CreateRuntime().Heap;
    var live = new HashSet<ulong>();
    var referrer = new Dictionary<ulong, ulong>();
    var pending = new Stack<ulong>();
    foreach (var root in heap.EnumerateRoots())
        if (root.Object.Address != 0 && live.Add(root.Object.Address)) pending.Push(root.Object.Address);
    while (pending.Count > 0)
    {
        var address = pending.Pop();
        var obj = heap.GetObject(address);
        if (!obj.IsValid) continue;
        foreach (var child in obj.EnumerateReferenceAddresses(carefully: true))
            if (child != 0 && live.Add(child))
            {
                referrer[child] = address;
                pending.Push(child);
            }
    }
    var byType = new Dictionary<string, (long Bytes, long Count)>();
    long committed = 0, all = 0, liveBytes = 0;
    foreach (var segment in heap.Segments)
    {
        committed += (long)segment.CommittedMemory.Length;
        foreach (var obj in segment.EnumerateObjects())
        {
            if (!obj.IsValid) continue;
            all += (long)obj.Size;
            if (!live.Contains(obj.Address)) continue;
            liveBytes += (long)obj.Size;
            var name = obj.Type?.Name ?? "?";
            var entry = byType.GetValueOrDefault(name);
            byType[name] = (entry.Bytes + (long)obj.Size, entry.Count + 1);
        }
    }
    var edges = new Dictionary<string, (long Bytes, long Count)>();
    foreach (var (child, parent) in referrer)
    {
        var obj = heap.GetObject(child);
        var key = $"{obj.Type?.Name ?? "?"} <- {heap.GetObject(parent).Type?.Name ?? "?"}";
        var entry = edges.GetValueOrDefault(key);
        edges[key] = (entry.Bytes + (long)obj.Size, entry.Count + 1);
    }
    Write(output, byType);
    Write(output + ".edges", edges);
    Console.WriteLine($"committed={committed} all={all} live={liveBytes} (all - live = free space and garbage)");
}

static void Write(string path, Dictionary<string, (long Bytes, long Count)> rows)
{
    using var writer = new StreamWriter(path);
    foreach (var (name, (bytes, count)) in rows.OrderByDescending(r => r.Value.Bytes)) writer.WriteLine($"{bytes}\t{count}\t{name}");
}

static Dictionary<string, (long Bytes, long Count)> Load(string path) =>
    File.ReadLines(path).Select(line => line.Split('\t', 3)).ToDictionary(f => f[2], f => (long.Parse(f[0]), long.Parse(f[1])));

static void Diff(Dictionary<string, (long Bytes, long Count)> before, Dictionary<string, (long Bytes, long Count)> after, int n)
{
    var rows = after.Keys.Union(before.Keys)
        .Select(name => (Name: name, Bytes: after.GetValueOrDefault(name).Bytes - before.GetValueOrDefault(name).Bytes,
            Count: after.GetValueOrDefault(name).Count - before.GetValueOrDefault(name).Count))
        .OrderByDescending(r => r.Bytes).ToList();
    Console.WriteLine($"total {rows.Sum(r => r.Bytes) / (double)n:N0} bytes per socket");
    foreach (var row in rows.Where(r => Math.Abs(r.Bytes) >= n * 8))
        Console.WriteLine($"{row.Bytes / (double)n,8:N0} B {row.Count / (double)n,6:N2}  {row.Name}");
}
