-- Stores a batch of messages that carry client ids in one round trip and one commit (group commit): one commit per
-- message caps the write rate near 5-8k messages/s, set-based statements over a batch go far past it.
--
-- Same guarantees as chat_send, item by item:
-- * gapless seq per conversation and gapless cursors per inbox, in batch order (a socket's sends are never in two
--   batches at once, so each sender's order holds);
-- * idempotent by (sender, cid): an item whose cid is stored already comes back as 'duplicate' (or 'conflict' when
--   the stored message differs), checked after the conversation locks are held, so a concurrent batch with the same
--   cid has committed by then;
-- * the unread total and its version change in the same transaction as the rows.
-- Locks: conversation rows in (user_lo, user_hi) order, then inbox rows in user order, in every writer (chat_send
-- takes one conversation then two inboxes in the same orders), so concurrent batches never deadlock.
-- The caller passes each (sender, cid) at most once per batch.
CREATE FUNCTION chat_send_batch(p_from bigint[], p_to bigint[], p_body text[], p_cid text[], p_origin text[],
                                p_read boolean[])
RETURNS TABLE (ord int, status text, id bigint, seq bigint, from_id bigint, to_id bigint, body text,
               is_read boolean, created_at timestamptz, sender_cursor bigint, recipient_cursor bigint, cid text,
               unread bigint, unread_version bigint)
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO conversations (user_lo, user_hi)
  SELECT DISTINCT least(u.f, u.t), greatest(u.f, u.t) FROM unnest(p_from, p_to) AS u(f, t) ORDER BY 1, 2
  ON CONFLICT DO NOTHING;
  PERFORM 1 FROM conversations c
   WHERE (c.user_lo, c.user_hi) IN (SELECT least(u.f, u.t), greatest(u.f, u.t) FROM unnest(p_from, p_to) AS u(f, t))
   ORDER BY c.user_lo, c.user_hi
     FOR UPDATE;

  INSERT INTO inboxes (user_id)
  SELECT DISTINCT u.id FROM (SELECT unnest(p_from) UNION SELECT unnest(p_to)) AS u(id) ORDER BY 1
  ON CONFLICT DO NOTHING;
  PERFORM 1 FROM inboxes i
   WHERE i.user_id = ANY (p_from) OR i.user_id = ANY (p_to)
   ORDER BY i.user_id
     FOR UPDATE;

  -- a new statement, so a new snapshot: it sees everything committed before the locks above were granted
  RETURN QUERY
  WITH input AS (
    SELECT u.n::int AS ord, u.f AS from_id, u.t AS to_id, u.b AS body, u.c AS cid, u.o AS origin, u.r AS is_read,
           least(u.f, u.t) AS lo, greatest(u.f, u.t) AS hi
      FROM unnest(p_from, p_to, p_body, p_cid, p_origin, p_read) WITH ORDINALITY AS u(f, t, b, c, o, r, n)
  ),
  existing AS (
    SELECT i.ord, m.* FROM input i JOIN messages m ON m.from_id = i.from_id AND m.cid = i.cid
  ),
  fresh AS (
    SELECT i.* FROM input i WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.ord = i.ord)
  ),
  seqs AS (
    SELECT f.ord, c.last_seq + row_number() OVER (PARTITION BY f.lo, f.hi ORDER BY f.ord) AS seq
      FROM fresh f JOIN conversations c ON c.user_lo = f.lo AND c.user_hi = f.hi
  ),
  events AS (
    SELECT f.ord, f.from_id AS user_id, false AS incoming, false AS counts_unread FROM fresh f
    UNION ALL
    SELECT f.ord, f.to_id, true, NOT f.is_read FROM fresh f
  ),
  positions AS (
    SELECT e.ord, e.incoming,
           b.last_cursor + row_number() OVER w AS cursor,
           b.unread + count(*) FILTER (WHERE e.counts_unread) OVER w AS unread,
           b.unread_version + count(*) FILTER (WHERE e.counts_unread) OVER w AS unread_version
      FROM events e JOIN inboxes b ON b.user_id = e.user_id
    WINDOW w AS (PARTITION BY e.user_id ORDER BY e.ord ROWS UNBOUNDED PRECEDING)
  ),
  inserted AS (
    INSERT INTO messages AS m (user_lo, user_hi, seq, from_id, to_id, body, cid, origin, is_read, sender_cursor,
                               recipient_cursor)
    SELECT f.lo, f.hi, s.seq, f.from_id, f.to_id, f.body, f.cid, f.origin::"char", f.is_read, sp.cursor, rp.cursor
      FROM fresh f
      JOIN seqs s ON s.ord = f.ord
      JOIN positions sp ON sp.ord = f.ord AND NOT sp.incoming
      JOIN positions rp ON rp.ord = f.ord AND rp.incoming
     ORDER BY f.ord
    RETURNING m.*
  ),
  conversations_moved AS (
    UPDATE conversations c SET last_seq = c.last_seq + n.count
      FROM (SELECT f.lo, f.hi, count(*) AS count FROM fresh f GROUP BY f.lo, f.hi) n
     WHERE c.user_lo = n.lo AND c.user_hi = n.hi
  ),
  inboxes_moved AS (
    UPDATE inboxes b SET last_cursor = b.last_cursor + n.count,
                         unread = b.unread + n.unread,
                         unread_version = b.unread_version + n.unread
      FROM (SELECT e.user_id, count(*) AS count, count(*) FILTER (WHERE e.counts_unread) AS unread
              FROM events e GROUP BY e.user_id) n
     WHERE b.user_id = n.user_id
  )
  SELECT i.ord, 'stored'::text, x.id, x.seq, x.from_id, x.to_id, x.body, x.is_read, x.created_at, x.sender_cursor,
         x.recipient_cursor, x.cid, rp.unread, rp.unread_version
    FROM inserted x
    JOIN input i ON i.from_id = x.from_id AND i.cid = x.cid
    JOIN positions rp ON rp.ord = i.ord AND rp.incoming
  UNION ALL
  SELECT e.ord, CASE WHEN e.to_id = i.to_id AND e.body = i.body THEN 'duplicate' ELSE 'conflict' END,
         e.id, e.seq, e.from_id, e.to_id, e.body, e.is_read, e.created_at, e.sender_cursor, e.recipient_cursor,
         e.cid, 0::bigint, 0::bigint
    FROM existing e JOIN input i ON i.ord = e.ord;
END
$$;
