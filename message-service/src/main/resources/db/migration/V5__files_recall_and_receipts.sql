-- Uploads: the bytes are in the gateways' storage (a directory or an object store) under files/<id> and
-- thumbs/<id>; this row is what was learned of them and who owns them. An upload no message holds has an
-- expires_at, after which a gateway's sweeper claims the row (deleting it) and deletes the objects.
CREATE TABLE files (
  id         text PRIMARY KEY,
  owner_id   bigint NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('image', 'file')),
  mime       text NOT NULL,
  size       bigint NOT NULL CHECK (size >= 0),
  name       text NOT NULL,
  width      int NOT NULL DEFAULT 0,
  height     int NOT NULL DEFAULT 0,
  has_thumb  boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at timestamptz
);
CREATE INDEX files_expiring ON files (expires_at) WHERE expires_at IS NOT NULL;

-- A message carries a copy of its upload's description (what the message said when it was sent), and the id to
-- find the messages of a file by. A recalled message keeps its place (seq, cursors) and loses its content.
ALTER TABLE messages ADD COLUMN file_id text, ADD COLUMN attachment jsonb, ADD COLUMN recalled_at timestamptz;
CREATE INDEX messages_file ON messages (file_id) WHERE file_id IS NOT NULL;
ALTER TABLE group_messages ADD COLUMN file_id text, ADD COLUMN attachment jsonb, ADD COLUMN recalled_at timestamptz;
CREATE INDEX group_messages_file ON group_messages (file_id) WHERE file_id IS NOT NULL;

-- "Delete for me": the message stays (the other participant still has it), hidden from this user's history and
-- sync pages. Sync still counts its cursor as passed, so a connection's inbox order has no hole.
CREATE TABLE hidden_messages (
  user_id    bigint NOT NULL,
  message_id bigint NOT NULL,
  PRIMARY KEY (user_id, message_id)
);

-- chat_mark_read as in V4, and also the highest message it marked (id and seq), for the sender's read receipt.
DROP FUNCTION chat_mark_read(bigint, bigint, bigint);
CREATE FUNCTION chat_mark_read(p_user bigint, p_peer bigint, p_up_to bigint)
RETURNS TABLE (marked bigint, unread bigint, unread_version bigint, max_id bigint, max_seq bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_marked bigint;
  v_max_id bigint;
  v_max_seq bigint;
  v_unread bigint := 0;
  v_version bigint := 0;
BEGIN
  SELECT i.unread INTO v_unread FROM inboxes i WHERE i.user_id = p_user FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint;
    RETURN;
  END IF;
  WITH marked_rows AS (
    UPDATE messages x SET is_read = true
     WHERE x.to_id = p_user AND x.from_id = p_peer AND NOT x.is_read AND (p_up_to IS NULL OR x.id <= p_up_to)
    RETURNING x.id, x.seq)
  SELECT count(*), coalesce(max(r.id), 0), coalesce(max(r.seq), 0) INTO v_marked, v_max_id, v_max_seq
    FROM marked_rows r;
  IF v_marked > 0 AND NOT EXISTS (SELECT 1 FROM conversation_prefs p
                                   WHERE p.user_id = p_user AND p.peer_id = p_peer AND p.muted) THEN
    UPDATE inboxes i SET unread = i.unread - v_marked, unread_version = i.unread_version + 1
     WHERE i.user_id = p_user
     RETURNING i.unread, i.unread_version INTO v_unread, v_version;
  END IF;
  RETURN QUERY SELECT v_marked, v_unread, v_version, v_max_id, v_max_seq;
END
$$;

-- Recalls a one-to-one message for both participants: its text and attachment are deleted, its place stays. Only
-- the sender, within the window; a second recall is answered like the first (fresh = false). If the recipient had
-- not read it, the total loses it in the same transaction (unless the conversation is muted, as for read marks).
-- Locks as chat_mark_read: the recipient's inbox row, then the message row. An upload no other message holds
-- expires after p_grace (long enough for a send that already found it to commit).
-- Errors: MC404 unknown (or hidden by the asker), MC403 not the sender, MC410 the window has passed.
CREATE FUNCTION chat_recall(p_user bigint, p_id bigint, p_window interval, p_grace interval)
RETURNS TABLE (peer bigint, seq bigint, fresh boolean, unread bigint, unread_version bigint)
LANGUAGE plpgsql AS $$
DECLARE
  m record;
  v_read boolean;
  v_recalled timestamptz;
  v_unread bigint := 0;
  v_version bigint := 0;
BEGIN
  SELECT x.from_id, x.to_id, x.seq, x.created_at, x.file_id INTO m FROM messages x WHERE x.id = p_id;
  IF NOT FOUND OR (m.from_id <> p_user AND m.to_id <> p_user)
     OR EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = p_user AND h.message_id = p_id) THEN
    RAISE EXCEPTION 'message % not found', p_id USING ERRCODE = 'MC404';
  END IF;
  IF m.from_id <> p_user THEN
    RAISE EXCEPTION 'only its sender may recall a message' USING ERRCODE = 'MC403';
  END IF;
  PERFORM 1 FROM inboxes i WHERE i.user_id = m.to_id FOR UPDATE;
  SELECT x.is_read, x.recalled_at INTO v_read, v_recalled FROM messages x WHERE x.id = p_id FOR UPDATE;
  IF v_recalled IS NOT NULL THEN
    RETURN QUERY SELECT m.to_id, m.seq, false, 0::bigint, 0::bigint;
    RETURN;
  END IF;
  IF m.created_at < clock_timestamp() - p_window THEN
    RAISE EXCEPTION 'the recall window has passed' USING ERRCODE = 'MC410';
  END IF;
  UPDATE messages x SET body = '', attachment = NULL, file_id = NULL, recalled_at = clock_timestamp(),
                        is_read = true
   WHERE x.id = p_id;
  IF NOT v_read AND NOT EXISTS (SELECT 1 FROM conversation_prefs p
                                 WHERE p.user_id = m.to_id AND p.peer_id = m.from_id AND p.muted) THEN
    UPDATE inboxes i SET unread = i.unread - 1, unread_version = i.unread_version + 1
     WHERE i.user_id = m.to_id
     RETURNING i.unread, i.unread_version INTO v_unread, v_version;
  END IF;
  IF m.file_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM messages x WHERE x.file_id = m.file_id)
     AND NOT EXISTS (SELECT 1 FROM group_messages g WHERE g.file_id = m.file_id) THEN
    UPDATE files f SET expires_at = clock_timestamp() + p_grace WHERE f.id = m.file_id;
  END IF;
  RETURN QUERY SELECT m.to_id, m.seq, true, v_unread, v_version;
END
$$;

-- Hides a one-to-one message from one participant ("delete for me"); a second time changes nothing (fresh =
-- false). A message hidden while unread is marked read, so the total never counts what the user cannot see.
-- Errors: MC404 unknown, or not the asker's.
CREATE FUNCTION chat_hide(p_user bigint, p_id bigint)
RETURNS TABLE (peer bigint, seq bigint, fresh boolean, unread bigint, unread_version bigint)
LANGUAGE plpgsql AS $$
DECLARE
  m record;
  v_new bigint;
  v_marked bigint := 0;
  v_unread bigint := 0;
  v_version bigint := 0;
BEGIN
  SELECT x.from_id, x.to_id, x.seq INTO m FROM messages x WHERE x.id = p_id;
  IF NOT FOUND OR (m.from_id <> p_user AND m.to_id <> p_user) THEN
    RAISE EXCEPTION 'message % not found', p_id USING ERRCODE = 'MC404';
  END IF;
  IF m.to_id = p_user THEN
    PERFORM 1 FROM inboxes i WHERE i.user_id = p_user FOR UPDATE;
  END IF;
  INSERT INTO hidden_messages (user_id, message_id) VALUES (p_user, p_id) ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS v_new = ROW_COUNT;
  IF v_new > 0 AND m.to_id = p_user THEN
    UPDATE messages x SET is_read = true WHERE x.id = p_id AND NOT x.is_read;
    GET DIAGNOSTICS v_marked = ROW_COUNT;
    IF v_marked > 0 AND NOT EXISTS (SELECT 1 FROM conversation_prefs p
                                     WHERE p.user_id = p_user AND p.peer_id = m.from_id AND p.muted) THEN
      UPDATE inboxes i SET unread = i.unread - 1, unread_version = i.unread_version + 1
       WHERE i.user_id = p_user
       RETURNING i.unread, i.unread_version INTO v_unread, v_version;
    END IF;
  END IF;
  RETURN QUERY SELECT CASE WHEN m.from_id = p_user THEN m.to_id ELSE m.from_id END, m.seq, v_new > 0, v_unread,
                      v_version;
END
$$;
