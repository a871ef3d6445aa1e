using System.Security.Cryptography;
using Akka.Actor;
using Akka.Persistence;

namespace Durable.Objects;

/// <summary>
/// The secret that keys id hashing and MACs on the Akka engine, kept as one event in the objects' journal (persistence
/// id <see cref="PersistenceId"/>), so it lives wherever objects live: in the node's SQLite file, or in the PostgreSQL
/// a cluster shares. The first start writes a fresh random secret; every later start, and every other node on the same
/// journal, recovers that one. Two nodes creating it at the same moment both write sequence number 1: the journal keeps
/// one write and fails the other, whose node then reads the kept secret.
/// </summary>
internal static class IdSecret
{
    public const string PersistenceId = "durable/ids-secret";

    private const int Attempts = 5;

    public static async Task<byte[]> GetOrCreateAsync(ActorSystem system, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            system.ActorOf(Props.Create(() => new Keeper(result)), $"durable-ids-secret-{attempt}");
            try
            {
                return await result.Task.WaitAsync(cancellationToken);
            }
            catch (Exception error) when (error is not OperationCanceledException && attempt < Attempts)
            {
                // Another node wrote the secret first (our write conflicted): read it on the next attempt.
            }
        }
    }

    /// <summary>Recovers the secret or persists a new one, answers, and stops.</summary>
    private sealed class Keeper(TaskCompletionSource<byte[]> result) : UntypedPersistentActor
    {
        private byte[]? _secret;

        public override string PersistenceId => IdSecret.PersistenceId;

        protected override void OnRecover(object message)
        {
            switch (message)
            {
                case byte[] secret:
                    _secret = secret;
                    break;
                case RecoveryCompleted when _secret is { } known:
                    Answer(known);
                    break;
                case RecoveryCompleted:
                    Persist(RandomNumberGenerator.GetBytes(32), Answer);
                    break;
            }
        }

        protected override void OnCommand(object message) => Unhandled(message);

        private void Answer(byte[] secret)
        {
            result.TrySetResult(secret);
            Context.Stop(Self);
        }

        protected override void OnRecoveryFailure(Exception reason, object? message = null)
        {
            result.TrySetException(new InvalidOperationException("The id secret could not be read from the journal.", reason));
            base.OnRecoveryFailure(reason, message);
        }

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
        {
            result.TrySetException(new InvalidOperationException("The id secret could not be written to the journal.", cause));
            base.OnPersistFailure(cause, @event, sequenceNr);
        }

        protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
        {
            result.TrySetException(new InvalidOperationException("The journal rejected the id secret.", cause));
            base.OnPersistRejected(cause, @event, sequenceNr);
        }
    }
}
