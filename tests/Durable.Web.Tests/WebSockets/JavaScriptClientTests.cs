using System.Diagnostics;

namespace Durable.Web.Tests.WebSockets;

/// <summary>
/// The official JavaScript clients against a real node: the `phoenix` npm client from Node, and the /chat page in
/// Debian's headless Chromium driven by playwright-core. Their packages come from scripts/prepare-browser.sh (sourced by
/// scripts/test.sh); the browser test keeps a screenshot under TestResults/.
/// </summary>
public sealed class JavaScriptClientTests
{
    private static readonly string Root = FindRoot();
    private static readonly string Scripts = Path.Combine(Root, "tests", "js");

    [Fact]
    public async Task Official_phoenix_client_joins_pushes_and_receives_broadcasts()
    {
        await using var host = await SocketHost.StartAsync();
        var output = await RunNodeAsync("phoenix-client.mjs", TimeSpan.FromSeconds(40), host.Address.ToString().TrimEnd('/'));
        Assert.Contains("OK phoenix client", output);
    }

    [Fact]
    public async Task Two_browser_pages_in_one_chat_room_see_each_others_messages()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "Chromium is missing: run scripts/prepare-browser.sh (apt-get install -y chromium)");
        await using var host = await SocketHost.StartAsync();
        var page = await host.Client.GetAsync("/chat");
        Assert.True(page.IsSuccessStatusCode, $"/chat answered {(int)page.StatusCode}");
        var asset = await host.Client.GetAsync("/assets/phoenix.mjs");
        Assert.True(asset.IsSuccessStatusCode, $"/assets/phoenix.mjs answered {(int)asset.StatusCode}: {await asset.Content.ReadAsStringAsync()}");

        var results = Path.Combine(Root, "TestResults");
        Directory.CreateDirectory(results);
        var screenshot = Path.Combine(results, "chat-browser.png");
        File.Delete(screenshot);
        var output = await RunNodeAsync("chat-browser.mjs", TimeSpan.FromSeconds(90), host.Address.ToString().TrimEnd('/'), screenshot);
        Assert.Contains("OK browser chat", output);
        Assert.True(new FileInfo(screenshot).Length > 1000, "the screenshot was not written");
    }

    private static async Task<string> RunNodeAsync(string script, TimeSpan limit, params string[] args)
    {
        Assert.True(Directory.Exists(Path.Combine(Scripts, "node_modules")),
            $"{Scripts}/node_modules is missing: run scripts/prepare-browser.sh (scripts/test.sh sources it)");
        var start = new ProcessStartInfo("node") { WorkingDirectory = Scripts, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish within {limit.TotalSeconds} s: {await stdout} {await stderr}");
        }
        var output = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"node {script} exited {process.ExitCode}: {output}");
        return output;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DurableAkka.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No DurableAkka.sln above {AppContext.BaseDirectory}.");
    }
}
