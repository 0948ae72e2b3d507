-- Fan-out to X: a transactional outbox of status changes per cluster account, the
-- posts composed from it, their delivery state, and the switches and budgets that
-- govern delivery.
--
-- Flow: the transaction that records a status change also inserts one outbox row for
-- the cluster account of the office (settleStatuses). A dispatcher, once the account's
-- coalescing window has passed, its posting window is open (or an urgent change may
-- bypass it) and the account has nothing left to deliver, composes the then-current
-- state of the changed offices into posts (a batch), marks the rows as batched, and
-- delivers the posts in order, one account at a time, under leases and FOR UPDATE
-- SKIP LOCKED so that several workers can run. A batch none of whose posts was ever
-- attempted is recomposed (superseded) when newer changes arrive or it grows old.

-- A notice may ask to be posted outside the accounts' posting windows.
alter table status_notices add column urgent boolean not null default false;

alter table clusters
  -- Posted once, in the first part of each post, only when include_links is set.
  add column link text check (link is null or (link ~ '^https://' and length(link) <= 200)),
  -- Urgent notices may be posted outside the posting window.
  add column allow_urgent boolean not null default false,
  -- Seconds to gather changes into one post; null: the service default.
  add column coalesce_seconds integer check (coalesce_seconds between 0 and 3600),
  add column paused_reason text check (length(paused_reason) <= 500),
  add column paused_at timestamptz;

create table fanout_batches (
  id           uuid primary key,
  cluster_id   text not null references clusters (id),
  composed_at  timestamptz not null,
  -- The offices the posts name; empty when every change was undone within the window.
  offices      text[] not null,
  urgent       boolean not null default false
);
create index fanout_batches_cluster_idx on fanout_batches (cluster_id, composed_at);

-- The state each office was composed with: announced (below) once the batch's posts are
-- all delivered.
create table fanout_batch_offices (
  batch_id    uuid not null references fanout_batches (id),
  office_id   text not null references offices (id),
  change_seq  bigint not null references status_changes (seq),
  primary key (batch_id, office_id)
);

create table fanout_outbox (
  change_seq  bigint primary key references status_changes (seq),
  cluster_id  text not null references clusters (id),
  office_id   text not null references offices (id),
  urgent      boolean not null default false,
  created_at  timestamptz not null default now(),
  batch_id    uuid references fanout_batches (id)
);
create index fanout_outbox_pending_idx on fanout_outbox (cluster_id, change_seq) where batch_id is null;
create index fanout_outbox_office_idx on fanout_outbox (office_id, change_seq);
create index fanout_outbox_batch_idx on fanout_outbox (batch_id);

-- One row per post (or thread part). An account's posts are delivered in id order:
-- only the lowest queued id of an account is ever claimed.
create table fanout_posts (
  id                bigint generated always as identity primary key,
  batch_id          uuid not null references fanout_batches (id),
  cluster_id        text not null references clusters (id),
  language          text not null check (language in ('en', 'cy')),
  part              integer not null check (part >= 1),
  parts             integer not null check (parts >= part),
  -- The previous part of the thread, whose X id this part replies to.
  reply_to_post_id  bigint references fanout_posts (id),
  text              text not null,
  -- superseded: never sent, and recomposed with a later state (a batch held by a pause or
  -- a posting window, or overtaken by newer changes before any part went).
  state             text not null default 'queued' check (state in ('queued', 'delivered', 'failed', 'superseded')),
  attempts          integer not null default 0,
  -- Attempts whose outcome was recorded; fewer than attempts: one is in flight, or its
  -- worker died, and the post may be on X.
  outcomes          integer not null default 0,
  -- Some attempt may have reached X (anything but a definite refusal: a 429, a 401/403).
  -- A batch with such a post, or a delivered one, is finished as it is, never superseded.
  maybe_on_x        boolean not null default false,
  first_attempt_at  timestamptz,
  not_before        timestamptz not null default now(),
  lease_owner       text,
  lease_expires_at  timestamptz,
  x_post_id         text check (x_post_id ~ '^[0-9]{1,20}$'),
  -- posted; already-posted (X refused a duplicate: an earlier attempt got through).
  outcome           text check (outcome in ('posted', 'already-posted')),
  last_error        text,
  created_at        timestamptz not null default now(),
  delivered_at      timestamptz,
  -- The worker whose attempt was recorded as the delivery.
  delivered_by      text
);
create index fanout_posts_queue_idx on fanout_posts (cluster_id, id) where state = 'queued';
create index fanout_posts_batch_idx on fanout_posts (batch_id, id);
create index fanout_posts_cluster_idx on fanout_posts (cluster_id, id);
create unique index fanout_posts_x_id_key on fanout_posts (x_post_id) where x_post_id is not null;

-- Every request made to POST /2/tweets, for the per-user and per-app budgets.
create table fanout_sends (
  cluster_id  text not null references clusters (id),
  sent_at     timestamptz not null,
  post_id     bigint references fanout_posts (id)
);
create index fanout_sends_cluster_idx on fanout_sends (cluster_id, sent_at);
create index fanout_sends_sent_idx on fanout_sends (sent_at);

-- What each office's followers last heard: the change whose state was in the last batch
-- delivered in full. A pending change whose state equals it posts nothing.
create table fanout_announced (
  office_id   text primary key references offices (id),
  change_seq  bigint not null references status_changes (seq),
  batch_id    uuid not null references fanout_batches (id)
);

-- Delivery health per account.
create table fanout_accounts (
  cluster_id            text primary key references clusters (id),
  -- X said 429: nothing is sent for this account before its reset.
  blocked_until         timestamptz,
  last_attempt_at       timestamptz,
  last_success_at       timestamptz,
  last_failure_at       timestamptz,
  last_error            text,
  consecutive_failures  integer not null default 0
);

-- The switch for every account at once, and the app-wide block after an app-level 429.
create table fanout_control (
  id                 boolean primary key default true check (id),
  paused             boolean not null default false,
  paused_reason      text check (length(paused_reason) <= 500),
  paused_at          timestamptz,
  app_blocked_until  timestamptz
);
insert into fanout_control default values;
