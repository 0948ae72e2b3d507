-- Auto-replies to mentions, and an inbox for the live team.
--
-- Flow: one ingester at a time (a session advisory lock) reads new mentions of every
-- account with OR-ed recent searches, from a since_id kept per account with a small
-- overlap re-read; the X Activity API webhook feeds the same pipeline. Each mention is
-- stored once (keyed by its X post id), redacted of personal data before it is stored,
-- with the classification and the decision, in the same transaction as the reply it
-- queues: a reply is a fanout_posts row of kind 'reply', delivered by the dispatchers
-- under the same leases and budgets as status posts.

alter table clusters
  -- Status questions get a templated reply (off: they go to the inbox).
  add column auto_replies boolean not null default true,
  -- Messages that are not status questions get a polite signposting reply (at most one
  -- per user per day).
  add column signpost_replies boolean not null default false;

alter table fanout_posts
  add column kind text not null default 'status' check (kind in ('status', 'reply')),
  -- A reply's target: the mention's X post id.
  add column in_reply_to_x_id text check (in_reply_to_x_id ~ '^[0-9]{1,20}$'),
  alter column batch_id drop not null,
  add constraint fanout_posts_kind_shape check (
    (kind = 'status' and batch_id is not null and in_reply_to_x_id is null)
    or (kind = 'reply' and batch_id is null and in_reply_to_x_id is not null and parts = 1));
-- Each account's oldest queued replies, and its next status post (which no longer has
-- to step over the replies queued with it).
create index fanout_posts_reply_queue_idx on fanout_posts (cluster_id, id) where state = 'queued' and kind = 'reply';
create index fanout_posts_status_queue_idx on fanout_posts (cluster_id, id) where state = 'queued' and kind = 'status';
-- X refuses an account's text it already posted: each new post and reply is checked
-- against the account's history, which only grows.
create index fanout_posts_text_idx on fanout_posts (cluster_id, text);
-- Room on each page for a post's next version: a claim's lease changes no indexed column,
-- so with room it is a heap-only update that writes none of the table's indexes.
alter table fanout_posts set (fillfactor = 80);

create table mentions (
  x_post_id        text primary key check (x_post_id ~ '^[0-9]{1,20}$'),
  cluster_id       text not null references clusters (id),
  author_id        text not null check (author_id ~ '^[0-9]{1,20}$'),
  author_username  text,
  -- The mention's text with NI numbers, phone numbers and email addresses redacted.
  text             text not null,
  -- What was redacted (kinds only, never the values).
  redacted         text[] not null default '{}',
  posted_at        timestamptz not null,
  received_at      timestamptz not null default now(),
  source           text not null check (source in ('poll', 'webhook')),
  in_reply_to_x_id text,
  conversation_id  text,
  -- The classification.
  intent           text not null check (intent in ('status', 'other')),
  language         text not null check (language in ('en', 'cy')),
  asked_when       text,
  offices          text[] not null default '{}',
  stop             boolean not null default false,
  -- reply: a status reply was queued; signpost: a signposting reply was queued (and the
  -- mention is in the inbox); inbox: a person should look; opted-out: the user said stop;
  -- ignored: never answered (the account itself, a retweet).
  decision         text not null check (decision in ('reply', 'signpost', 'inbox', 'opted-out', 'ignored')),
  reason           text not null,
  reply_post_id    bigint references fanout_posts (id),
  inbox_state      text check (inbox_state in ('open', 'handled')),
  handled_at       timestamptz,
  handled_by       text,
  handled_note     text check (length(handled_note) <= 1000)
);
create index mentions_received_idx on mentions (received_at desc, x_post_id desc);
create index mentions_cluster_idx on mentions (cluster_id, received_at desc);
create index mentions_inbox_idx on mentions (inbox_state, cluster_id, received_at desc) where inbox_state is not null;
create index mentions_author_idx on mentions (author_id, received_at);
create index mentions_conversation_idx on mentions (conversation_id) where conversation_id is not null;
create unique index mentions_reply_post_key on mentions (reply_post_id) where reply_post_id is not null;

-- Users who said "stop": no more automatic replies of any kind.
create table mention_opt_outs (
  author_id    text primary key check (author_id ~ '^[0-9]{1,20}$'),
  opted_out_at timestamptz not null,
  mention_id   text not null references mentions (x_post_id)
);

-- Where each account's mentions were last read up to (the newest mention id seen).
create table mention_cursors (
  cluster_id  text primary key references clusters (id),
  since_id    text not null check (since_id ~ '^[0-9]{1,20}$'),
  updated_at  timestamptz not null
);

-- The ingester's schedule and health, shared by whichever instance holds the lock.
create table mention_ingest (
  id                    boolean primary key default true check (id),
  holder                text,
  held_since            timestamptz,
  last_poll_at          timestamptz,
  last_success_at       timestamptz,
  next_poll_at          timestamptz,
  -- X said 429: no request before this.
  blocked_until         timestamptz,
  interval_seconds      integer,
  last_error            text,
  consecutive_failures  integer not null default 0
);
insert into mention_ingest default values;
