namespace Durable.EndToEnd.Tests;

/// <summary>
/// The node program's settings: HOCON file (read by Akka's parser) &lt; environment &lt; command line, and invalid settings
/// that stop it with a message naming the key, the value and where it came from.
/// </summary>
public sealed class NodeConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("durable-config-").FullName;

    [Fact]
    public async Task File_then_environment_then_command_line_later_wins()
    {
        var file = WriteConf("Durable.Storage.Provider = memory\nDurable.Edge.MaxRequestBodySize = 100\n");
        var env = new Dictionary<string, string> { ["Durable__Edge__MaxRequestBodySize"] = "200" };

        await using (var fileOnly = await NodeProcess.StartAsync([$"--Durable:ConfigFile={file}"]))
        {
            Assert.Equal(new[] { 204, 413 }, await PutBodiesAsync(fileOnly, 90, 150));
        }
        await using (var withEnv = await NodeProcess.StartAsync([$"--Durable:ConfigFile={file}"], env))
        {
            Assert.Equal(new[] { 204, 413 }, await PutBodiesAsync(withEnv, 150, 250));
        }
        await using (var withArgs = await NodeProcess.StartAsync([$"--Durable:ConfigFile={file}", "--Durable:Edge:MaxRequestBodySize=300"], env))
        {
            Assert.Equal(new[] { 204, 413 }, await PutBodiesAsync(withArgs, 250, 350));
        }
    }

    [Fact]
    public async Task Invalid_duration_in_the_file_stops_the_node_naming_key_value_and_file()
    {
        var file = WriteConf("Durable {\n  Storage.Provider = memory\n  Objects {\n    IdleTimeout = banana\n  }\n}\n");

        var (exitCode, _, stderr) = await NodeProcess.RunToExitAsync([$"--Durable:ConfigFile={file}"]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"Durable:Objects:IdleTimeout = 'banana' (from the file {file}): not a duration", stderr);
    }

    [Fact]
    public async Task Invalid_duration_from_the_environment_names_the_key_without_a_file()
    {
        var file = WriteConf("Durable.Storage.Provider = memory\n");
        var env = new Dictionary<string, string> { ["Durable__Objects__EventDeadline"] = "30 parsecs" };

        var (exitCode, _, stderr) = await NodeProcess.RunToExitAsync([$"--Durable:ConfigFile={file}"], env);

        Assert.Equal(2, exitCode);
        Assert.Contains("Durable:Objects:EventDeadline = '30 parsecs' (from the environment): not a duration", stderr);
    }

    [Fact]
    public async Task Invalid_size_from_the_command_line_names_the_command_line()
    {
        var file = WriteConf("Durable.Storage.Provider = memory\n");

        var (exitCode, _, stderr) = await NodeProcess.RunToExitAsync([$"--Durable:ConfigFile={file}", "--Durable:Edge:MaxRequestBodySize=16 parsecs"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("Durable:Edge:MaxRequestBodySize = '16 parsecs' (from the command line): expected a whole number or a size", stderr);
    }

    [Fact]
    public async Task Misspelled_setting_stops_the_node_naming_it_and_where_it_was_written()
    {
        var file = WriteConf("Durable.Storage.Provider = memory\nDurable.Edge.RetryAftr = 2s\n");

        var (exitCode, _, stderr) = await NodeProcess.RunToExitAsync([$"--Durable:ConfigFile={file}"]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"Durable:Edge:RetryAftr (from the file {file}) is not a setting of Durable:Edge", stderr);
    }

    [Fact]
    public async Task Rule_violation_names_key_value_and_rule()
    {
        var file = WriteConf("Durable.Storage.Provider = memory\n");

        var (exitCode, _, stderr) = await NodeProcess.RunToExitAsync([$"--Durable:ConfigFile={file}", "--Durable:Objects:MaxQueuedEventsPerObject=0"]);

        Assert.Equal(2, exitCode);
        Assert.Contains("Durable:Objects:MaxQueuedEventsPerObject is 0; it must be at least 1", stderr);
    }

    [Fact]
    public async Task Hocon_syntax_error_stops_the_node_with_file_line_column()
    {
        var file = WriteConf("Durable {\n  Storage.Provider = memory\n  Objects { IdleTimeout = @ }\n}\n");

        var (exitCode, _, stderr) = await NodeProcess.RunToExitAsync([$"--Durable:ConfigFile={file}"]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"{file}:3:27: Unknown token", stderr);
    }

    [Fact]
    public async Task Missing_config_file_stops_the_node_naming_it()
    {
        var file = Path.Combine(_dir, "absent.conf");

        var (exitCode, _, stderr) = await NodeProcess.RunToExitAsync([$"--Durable:ConfigFile={file}"]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"The configuration file '{file}' was not found.", stderr);
    }

    [Fact]
    public async Task Optional_environment_substitution_in_the_file_reaches_the_node()
    {
        var file = WriteConf("Durable.Storage.Provider = memory\nDurable.Edge.MaxRequestBodySize = 100\nDurable.Edge.MaxRequestBodySize = ${?DURABLE_TEST_BODY_LIMIT}\n");

        await using (var unset = await NodeProcess.StartAsync([$"--Durable:ConfigFile={file}"]))
        {
            Assert.Equal(new[] { 204, 413 }, await PutBodiesAsync(unset, 90, 150));
        }
        await using (var set = await NodeProcess.StartAsync([$"--Durable:ConfigFile={file}"], new Dictionary<string, string> { ["DURABLE_TEST_BODY_LIMIT"] = "200" }))
        {
            Assert.Equal(new[] { 204, 413 }, await PutBodiesAsync(set, 150, 250));
        }
    }

    [Fact]
    public async Task Address_in_use_stops_the_node_with_a_message_and_exit_code_3()
    {
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)squatter.LocalEndpoint).Port}";

        var (exitCode, _, stderr) = await NodeProcess.RunToExitAsync(["--urls", url, "--Durable:Storage:Provider=memory"]);

        Assert.Equal(3, exitCode);
        Assert.Contains($"Failed to bind to address {url}: address already in use.", stderr);
        Assert.Contains("--urls", stderr);
    }

    [Fact]
    public async Task Shipped_durable_conf_starts_the_node_and_sigterm_exits_zero()
    {
        await using var node = await NodeProcess.StartAsync(["--Durable:Storage:Provider=memory"]);
        using var client = node.CreateClient();
        Assert.Equal("1", await (await client.PostAsync("/ns/counter/name/a/increment", null)).Content.ReadAsStringAsync());

        var exitCode = await node.StopAsync();

        Assert.Equal(0, exitCode);
        Assert.Contains("Durable object runtime stopped", node.Output);
    }

    [Fact]
    public async Task The_node_watches_no_directory_under_its_working_directory_unless_told_to_reload()
    {
        // ASP.NET Core's default reload-on-change watches every directory under the content root (the working
        // directory); the node reads its settings once, so it must not. The second node, told to reload, shows the
        // count does see such watches.
        var workingDirectory = Path.Combine(_dir, "cwd");
        for (var i = 0; i < 30; i++) Directory.CreateDirectory(Path.Combine(workingDirectory, $"d{i}", "sub"));

        int quiet, reloading;
        await using (var node = await NodeProcess.StartAsync(["--Durable:Storage:Provider=memory"], workingDirectory: workingDirectory))
        {
            quiet = InotifyWatches(node.Id);
        }
        await using (var node = await NodeProcess.StartAsync(
            ["--Durable:Storage:Provider=memory", "--hostBuilder:reloadConfigOnChange=true"], workingDirectory: workingDirectory))
        {
            reloading = InotifyWatches(node.Id);
        }

        Assert.True(quiet < 5, $"{quiet} inotify watches without reload");
        Assert.True(reloading > 60, $"{reloading} inotify watches with reload on change (61 directories)");
    }

    /// <summary>The inotify watches a process holds, from its file descriptors' <c>fdinfo</c>.</summary>
    private static int InotifyWatches(int pid) =>
        Directory.EnumerateFiles($"/proc/{pid}/fdinfo").Sum(fd =>
        {
            try
            {
                return File.ReadLines(fd).Count(line => line.StartsWith("inotify wd:", StringComparison.Ordinal));
            }
            catch (IOException)
            {
                return 0; // closed between the listing and the read
            }
        });

    private static async Task<int[]> PutBodiesAsync(NodeProcess node, params int[] sizes)
    {
        using var client = node.CreateClient();
        var statuses = new List<int>();
        foreach (var size in sizes)
        {
            var json = "\"" + new string('x', size - 2) + "\"";
            using var response = await client.PutAsync("/ns/kv/name/limits/keys/k", new StringContent(json));
            statuses.Add((int)response.StatusCode);
        }
        return statuses.ToArray();
    }

    private string WriteConf(string text)
    {
        var path = Path.Combine(_dir, "node.conf");
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
