using System.Diagnostics;
using System.Text;

namespace Durable.Actors.Tests.Storage;

/// <summary>
/// A running tests/Durable.Storage.CrashChild process: every line it prints goes to a callback; <see cref="Kill"/>
/// sends SIGKILL. Built in the same configuration as the test assembly.
/// </summary>
internal sealed class CrashChild : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();
    private readonly Lock _lock = new();

    private CrashChild(Process process) => _process = process;

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "DurableAkka.sln"))) return dir.FullName;
            throw new InvalidOperationException($"No DurableAkka.sln above {AppContext.BaseDirectory}.");
        }
    }

    public static CrashChild Start(IEnumerable<string> args, Action<string> onLine)
    {
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = baseDirectory.Parent!.Name;
        var dll = Path.Combine(RepositoryRoot, "tests", "Durable.Storage.CrashChild", "bin", configuration, baseDirectory.Name, "Durable.Storage.CrashChild.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"The crash child is not built at {dll}.");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var child = new CrashChild(Process.Start(start)!);
        child._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) onLine(e.Data);
        };
        child._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (child._lock) child._errors.AppendLine(e.Data);
        };
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Polls <paramref name="condition"/> (it reads what the child printed) until it holds, the child exits, or
    /// <paramref name="timeout"/> passes; the failure names <paramref name="phase"/>.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string phase)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited)
                throw new Xunit.Sdk.XunitException($"{phase}: the child exited ({_process.ExitCode}). stderr: {Errors}");
            if (deadline.Elapsed > timeout)
                throw new TimeoutException($"{phase}: not reached in {timeout.TotalSeconds} s. stderr: {Errors}");
            await Task.Delay(5);
        }
    }

    private string Errors
    {
        get { lock (_lock) return _errors.ToString(); }
    }

    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
