-- The common batch of one-to-one sends leaves in one round trip: BEGIN, the bumps, one insert that numbers every
-- message from the rows the bumps just moved, and COMMIT (BatchStore). The insert cannot ask the store what to do
-- when the batch is not the common one, so it fails, and the transaction with it: this raises the state that says
-- why, and the store then takes its general path. Never called for a common batch.
--   MC501: a conversation or an inbox of the batch does not exist yet;
--   MC502: a recipient of the batch muted its sender.
CREATE FUNCTION chat_batch_not_common(p_state text, p_why text) RETURNS int8
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', p_why USING ERRCODE = p_state;
END
$$;
