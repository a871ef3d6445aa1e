namespace Durable;

/// <summary>
/// A channel callback's answer, sent to the client as <c>phx_reply</c> <c>{"status", "response"}</c>. For a join, an
/// <see cref="Ok"/> reply admits the subscriber and an <see cref="Error"/> reply refuses it.
/// </summary>
public sealed record ChannelReply(string Status, object? Response)
{
    public bool IsOk => Status == "ok";

    public static ChannelReply Ok(object? response = null) => new("ok", response);

    public static ChannelReply Error(object? response = null) => new("error", response);

    /// <summary>An error reply <c>{"reason": reason}</c>, Phoenix's convention for refusals.</summary>
    public static ChannelReply Refuse(string reason) => new("error", new Dictionary<string, string> { ["reason"] = reason });
}
