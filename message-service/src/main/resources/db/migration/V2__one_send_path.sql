-- Every send is stored by the service's batch path (a lone send is a batch of one), which keeps the guarantees
-- chat_send kept: gapless seqs and cursors under the same lock order, idempotent cids, seed-client twins paired.
-- The function has no caller left.
DROP FUNCTION chat_send(bigint, bigint, text, text, "char", boolean, interval);
