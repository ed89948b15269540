-- Groups. The row's counter is the gapless per-group sequence, and locking the row serialises the group's sends and
-- membership changes: a send sees the members as they are at its commit, never a member removed before it.
CREATE TABLE groups (
  id           bigserial PRIMARY KEY,
  name         text NOT NULL,
  owner_id     bigint NOT NULL,
  created_by   bigint NOT NULL,
  last_seq     bigint NOT NULL DEFAULT 0,
  member_count integer NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  dissolved_at timestamptz
);
-- groups created per user per hour (a limit)
CREATE INDEX groups_created_by ON groups (created_by, created_at);

-- Current members only: leaving deletes the row. What a member saw while a member stays in their inbox rows.
CREATE TABLE group_members (
  group_id   bigint NOT NULL REFERENCES groups (id),
  user_id    bigint NOT NULL,
  role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  joined_seq bigint NOT NULL,             -- seq of the system message of the joining: the first they hold
  joined_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  read_seq   bigint NOT NULL,             -- the highest seq they have read
  muted      boolean NOT NULL DEFAULT false,
  pinned     boolean NOT NULL DEFAULT false,
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- One row per group message. id is unique across groups (what clients key on); seq is gapless per group.
CREATE TABLE group_messages (
  group_id    bigint NOT NULL,
  seq         bigint NOT NULL,
  id          bigserial NOT NULL UNIQUE,
  from_id     bigint NOT NULL,
  body        text NOT NULL,
  cid         text,
  origin      "char" NOT NULL,            -- 'W' WebSocket, 'H' HTTP, 'S' system (a membership change)
  system      boolean NOT NULL DEFAULT false,
  mention_ids bigint[] NOT NULL DEFAULT '{}',
  mention_all boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (group_id, seq)
);
CREATE UNIQUE INDEX group_messages_sender_cid ON group_messages (from_id, cid) WHERE cid IS NOT NULL;

-- Fan-out on write: every member's copy of every group message, at its dense cursor in the member's inbox (the
-- cursor counter is inboxes.last_cursor, shared with one-to-one messages). The sender's own copy is here too.
-- counts: it counts toward the member's unread (not their own, not a system message); mentioned: it mentions them.
-- A member's unread and mention counts for a group are counts of these rows after group_members.read_seq.
CREATE TABLE group_inbox (
  user_id   bigint NOT NULL,
  cursor    bigint NOT NULL,
  group_id  bigint NOT NULL,
  seq       bigint NOT NULL,
  counts    boolean NOT NULL,
  mentioned boolean NOT NULL,
  PRIMARY KEY (user_id, cursor)
);
CREATE INDEX group_inbox_conversation ON group_inbox (user_id, group_id, seq) INCLUDE (counts, mentioned);

-- Pin and mute of one-to-one conversations, per user (a group's are on its member row). A muted conversation keeps
-- its own unread count but is left out of inboxes.unread, the total that letters pushes.
CREATE TABLE conversation_prefs (
  user_id bigint NOT NULL,
  peer_id bigint NOT NULL,
  pinned  boolean NOT NULL DEFAULT false,
  muted   boolean NOT NULL DEFAULT false,
  PRIMARY KEY (user_id, peer_id)
);

-- the conversation list reads a user's one-to-one conversations from both sides of the pair
CREATE INDEX conversations_hi ON conversations (user_hi);
