-- Marks a user's messages from one peer read (up to an id, or all) and adjusts the unread total and its version
-- under the inbox row lock, so the count never drifts from the rows. A conversation the user muted is not in the
-- total (see conversation_prefs): its rows are marked read and the total and its version stay as they are. The
-- mute is read under the inbox lock, which every change of a one-to-one mute holds too.
-- Result: how many were marked, the total, and its new version, or 0 when the total did not change (nothing to
-- push: every version handed out stands for one change).
CREATE OR REPLACE FUNCTION chat_mark_read(p_user bigint, p_peer bigint, p_up_to bigint)
RETURNS TABLE (marked bigint, unread bigint, unread_version bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_marked bigint;
  v_unread bigint := 0;
  v_version bigint := 0;
BEGIN
  SELECT i.unread INTO v_unread FROM inboxes i WHERE i.user_id = p_user FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 0::bigint, 0::bigint, 0::bigint;
    RETURN;
  END IF;
  UPDATE messages x SET is_read = true
   WHERE x.to_id = p_user AND x.from_id = p_peer AND NOT x.is_read AND (p_up_to IS NULL OR x.id <= p_up_to);
  GET DIAGNOSTICS v_marked = ROW_COUNT;
  IF v_marked > 0 AND NOT EXISTS (SELECT 1 FROM conversation_prefs p
                                   WHERE p.user_id = p_user AND p.peer_id = p_peer AND p.muted) THEN
    UPDATE inboxes i SET unread = i.unread - v_marked, unread_version = i.unread_version + 1
     WHERE i.user_id = p_user
     RETURNING i.unread, i.unread_version INTO v_unread, v_version;
  END IF;
  RETURN QUERY SELECT v_marked, v_unread, v_version;
END
$$;
