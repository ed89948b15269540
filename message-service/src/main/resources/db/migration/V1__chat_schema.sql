-- One row per conversation (an unordered pair of users): its counter is the gapless per-conversation sequence,
-- and locking the row serialises the sends of one conversation.
CREATE TABLE conversations (
  user_lo  bigint NOT NULL,
  user_hi  bigint NOT NULL,
  last_seq bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (user_lo, user_hi),
  CHECK (user_lo < user_hi)
);

-- One row per user: the inbox position counter (the sync cursor, assigned in commit order because the row stays
-- locked until commit) and the unread total with its version.
CREATE TABLE inboxes (
  user_id        bigint PRIMARY KEY,
  last_cursor    bigint NOT NULL DEFAULT 0,
  unread         bigint NOT NULL DEFAULT 0 CHECK (unread >= 0),
  unread_version bigint NOT NULL DEFAULT 0
);

CREATE TABLE messages (
  id               bigserial PRIMARY KEY,
  user_lo          bigint NOT NULL,
  user_hi          bigint NOT NULL,
  seq              bigint NOT NULL,
  from_id          bigint NOT NULL,
  to_id            bigint NOT NULL,
  body             text NOT NULL,
  cid              text,
  origin           "char" NOT NULL,                -- 'W' WebSocket, 'H' HTTP
  is_read          boolean NOT NULL DEFAULT false,
  paired           boolean NOT NULL DEFAULT false, -- merged with its HTTP/WebSocket twin from a seed client
  sender_cursor    bigint NOT NULL,
  recipient_cursor bigint NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK (from_id <> to_id),
  UNIQUE (user_lo, user_hi, seq)
);

CREATE UNIQUE INDEX messages_sender_cid ON messages (from_id, cid) WHERE cid IS NOT NULL;
CREATE INDEX messages_history ON messages (user_lo, user_hi, id);
CREATE INDEX messages_recipient_inbox ON messages (to_id, recipient_cursor);
CREATE INDEX messages_sender_inbox ON messages (from_id, sender_cursor);
CREATE INDEX messages_unread ON messages (to_id, from_id, id) WHERE NOT is_read;

-- Stores one message, or finds the one it repeats, in a single round trip and a single transaction.
-- Locks: the conversation row first, then the two inbox rows in ascending user order, so concurrent sends
-- never deadlock. Raises SQLSTATE MC409 when the sender reuses a cid for a different message.
CREATE FUNCTION chat_send(p_from bigint, p_to bigint, p_body text, p_cid text, p_origin "char",
                          p_read boolean, p_pair_window interval)
RETURNS TABLE (id bigint, seq bigint, from_id bigint, to_id bigint, body text, is_read boolean,
               created_at timestamptz, sender_cursor bigint, recipient_cursor bigint, cid text,
               duplicate boolean, unread bigint, unread_version bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_lo bigint := least(p_from, p_to);
  v_hi bigint := greatest(p_from, p_to);
  v_seq bigint;
  v_sender_cursor bigint;
  v_recipient_cursor bigint;
  v_unread bigint;
  v_version bigint;
  m messages%ROWTYPE;
BEGIN
  INSERT INTO conversations (user_lo, user_hi) VALUES (v_lo, v_hi) ON CONFLICT DO NOTHING;
  SELECT c.last_seq INTO v_seq FROM conversations c WHERE c.user_lo = v_lo AND c.user_hi = v_hi FOR UPDATE;

  IF p_cid IS NOT NULL THEN
    SELECT * INTO m FROM messages x WHERE x.from_id = p_from AND x.cid = p_cid;
    IF FOUND AND (m.to_id <> p_to OR m.body <> p_body) THEN
      RAISE EXCEPTION 'cid % was already used for a different message', p_cid USING ERRCODE = 'MC409';
    END IF;
  ELSE
    -- a seed client stores over HTTP and shows over WebSocket: the second of the pair is the same message
    SELECT * INTO m FROM messages x
     WHERE x.user_lo = v_lo AND x.user_hi = v_hi AND x.from_id = p_from AND x.cid IS NULL
       AND x.origin <> p_origin AND NOT x.paired AND x.body = p_body
       AND x.created_at > clock_timestamp() - p_pair_window
     ORDER BY x.id DESC LIMIT 1;
    IF FOUND THEN
      UPDATE messages x SET paired = true WHERE x.id = m.id;
    END IF;
  END IF;

  IF m.id IS NOT NULL THEN
    RETURN QUERY SELECT m.id, m.seq, m.from_id, m.to_id, m.body, m.is_read, m.created_at, m.sender_cursor,
                        m.recipient_cursor, m.cid, true, 0::bigint, 0::bigint;
    RETURN;
  END IF;

  v_seq := v_seq + 1;
  UPDATE conversations c SET last_seq = v_seq WHERE c.user_lo = v_lo AND c.user_hi = v_hi;

  WITH bumped AS (
    INSERT INTO inboxes AS i (user_id, last_cursor, unread, unread_version)
    VALUES (v_lo, 1, CASE WHEN v_lo = p_to AND NOT p_read THEN 1 ELSE 0 END,
                     CASE WHEN v_lo = p_to AND NOT p_read THEN 1 ELSE 0 END),
           (v_hi, 1, CASE WHEN v_hi = p_to AND NOT p_read THEN 1 ELSE 0 END,
                     CASE WHEN v_hi = p_to AND NOT p_read THEN 1 ELSE 0 END)
    ON CONFLICT (user_id) DO UPDATE
      SET last_cursor = i.last_cursor + 1,
          unread = i.unread + EXCLUDED.unread,
          unread_version = i.unread_version + EXCLUDED.unread_version
    RETURNING i.user_id, i.last_cursor, i.unread, i.unread_version
  )
  SELECT max(b.last_cursor) FILTER (WHERE b.user_id = p_from),
         max(b.last_cursor) FILTER (WHERE b.user_id = p_to),
         max(b.unread) FILTER (WHERE b.user_id = p_to),
         max(b.unread_version) FILTER (WHERE b.user_id = p_to)
    INTO v_sender_cursor, v_recipient_cursor, v_unread, v_version
    FROM bumped b;

  INSERT INTO messages (user_lo, user_hi, seq, from_id, to_id, body, cid, origin, is_read,
                        sender_cursor, recipient_cursor)
  VALUES (v_lo, v_hi, v_seq, p_from, p_to, p_body, p_cid, p_origin, p_read, v_sender_cursor, v_recipient_cursor)
  RETURNING * INTO m;

  RETURN QUERY SELECT m.id, m.seq, m.from_id, m.to_id, m.body, m.is_read, m.created_at, m.sender_cursor,
                      m.recipient_cursor, m.cid, false, v_unread, v_version;
END
$$;

-- Marks a user's messages from one peer read (up to an id, or all) and adjusts the unread total and its version
-- under the inbox row lock, so the count never drifts from the rows.
CREATE FUNCTION chat_mark_read(p_user bigint, p_peer bigint, p_up_to bigint)
RETURNS TABLE (marked bigint, unread bigint, unread_version bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_marked bigint;
  v_unread bigint := 0;
  v_version bigint := 0;
BEGIN
  SELECT i.unread, i.unread_version INTO v_unread, v_version FROM inboxes i WHERE i.user_id = p_user FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 0::bigint, 0::bigint, 0::bigint;
    RETURN;
  END IF;
  UPDATE messages x SET is_read = true
   WHERE x.to_id = p_user AND x.from_id = p_peer AND NOT x.is_read AND (p_up_to IS NULL OR x.id <= p_up_to);
  GET DIAGNOSTICS v_marked = ROW_COUNT;
  IF v_marked > 0 THEN
    UPDATE inboxes i SET unread = i.unread - v_marked, unread_version = i.unread_version + 1
     WHERE i.user_id = p_user
     RETURNING i.unread, i.unread_version INTO v_unread, v_version;
  END IF;
  RETURN QUERY SELECT v_marked, v_unread, v_version;
END
$$;
