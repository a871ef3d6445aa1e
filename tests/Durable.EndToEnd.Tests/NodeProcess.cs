using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Durable.EndToEnd.Tests;

/// <summary>
/// A real node process (<c>dotnet src/Durable.Web/bin/&lt;Configuration&gt;/net10.0/Durable.Web.dll</c>) on a loopback
/// port the OS picks. <see cref="StopAsync"/> is the graceful verb (SIGTERM), <see cref="Kill"/> the crash (SIGKILL).
/// </summary>
internal sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(Process process)
    {
        _process = process;
    }

    public Uri Address => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : throw new InvalidOperationException("The node is not listening.");

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public HttpClient CreateClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts a node and waits until it listens; fails naming the phase with its output if it does not.</summary>
    public static async Task<NodeProcess> StartAsync(
        IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var node = new NodeProcess(Start(["--urls", "http://127.0.0.1:0", .. args], environment, workingDirectory));
        node._process.Exited += (_, _) => node._listening.TrySetException(
            new InvalidOperationException($"The node exited with code {node._process.ExitCode} before listening:\n{node.Output}"));
        node._process.EnableRaisingEvents = true;
        node._process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        node._process.ErrorDataReceived += (_, e) => node.OnLine(e.Data);
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        var timeout = Task.Delay(TimeSpan.FromSeconds(60));
        if (await Task.WhenAny(node._listening.Task, timeout) == timeout)
        {
            node.Kill();
            throw new TimeoutException($"The node did not listen within 60 s:\n{node.Output}");
        }
        await node._listening.Task;
        return node;
    }

    /// <summary>Runs a node that is expected to exit by itself (e.g. on a configuration error).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        using var process = Start(["--urls", "http://127.0.0.1:0", .. args], environment, null);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The node was expected to exit but still ran after 60 s:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>SIGTERM, then the exit code (the node drains and flushes first).</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited) _ = SendSignal(_process.Id, SigTerm);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"The node did not exit within 60 s of SIGTERM:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no drain, no flush.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>SIGSTOP: the process freezes (heartbeats, timers, everything) until <see cref="Resume"/>.</summary>
    public void Pause() => SendSignal(_process.Id, SigStop);

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => SendSignal(_process.Id, SigCont);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) await StopAsync();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (ListeningLine().Match(line) is { Success: true } match) _listening.TrySetResult(new Uri(match.Groups[1].Value));
    }

    private static Process Start(IEnumerable<string> args, IDictionary<string, string>? environment, string? workingDirectory)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        info.ArgumentList.Add(NodeDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
    }

    /// <summary>The node built in the same configuration as these tests.</summary>
    public static string NodeDll
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = dir.Parent!.Name;
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DurableAkka.sln"))) dir = dir.Parent;
            if (dir is null) throw new InvalidOperationException($"No DurableAkka.sln above {AppContext.BaseDirectory}.");
            var dll = Path.Combine(dir.FullName, "src", "Durable.Web", "bin", configuration, "net10.0", "Durable.Web.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build src/Durable.Web in {configuration} first.", dll);
        }
    }

    private const int SigTerm = 15;
    private const int SigStop = 19;
    private const int SigCont = 18;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
