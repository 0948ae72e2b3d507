-- The materialised current status of each office, the change feed, idempotency keys
-- and scheduler slots.
--
-- Every status-changing transaction takes one advisory lock (see
-- packages/db/src/repositories/status.ts) before it touches these tables, so change
-- sequence numbers are assigned in commit order: a reader that has seen change N has
-- seen every change before it, and a cursor never skips a change that commits later.

create table office_status (
  office_id           text primary key references offices (id),
  status              text not null check (status in ('open', 'closed', 'delayed')),
  stale               boolean not null default false,
  notice_id           uuid references status_notices (id),
  cause               text,
  message             text,
  since               timestamptz,
  until               timestamptz,
  expected_reopen_at  timestamptz,
  reopen_certainty    text not null default 'unknown',
  event_id            uuid references disruption_events (id),
  -- The next instant at which time alone may change this status (a scheduled notice
  -- starts, one ends, a reopening time passes); the scheduler wakes for it.
  next_transition_at  timestamptz,
  -- The change that produced this status (null: never changed).
  last_change_seq     bigint,
  updated_at          timestamptz not null default now()
);
create index office_status_next_transition_idx on office_status (next_transition_at) where next_transition_at is not null;
create index office_status_stale_idx on office_status (office_id) where stale;

create table status_changes (
  seq                 bigint generated always as identity primary key,
  office_id           text not null references offices (id),
  -- When the change took effect (a scheduled transition: its scheduled instant).
  effective_at        timestamptz not null,
  recorded_at         timestamptz not null default now(),
  reason              text not null check (reason in ('notice', 'correction', 'cancellation', 'scheduled', 'expired', 'stale')),
  actor               text not null,
  previous_status     text not null check (previous_status in ('open', 'closed', 'delayed')),
  status              text not null check (status in ('open', 'closed', 'delayed')),
  stale               boolean not null,
  notice_id           uuid references status_notices (id),
  cause               text,
  message             text,
  since               timestamptz,
  until               timestamptz,
  expected_reopen_at  timestamptz,
  reopen_certainty    text not null,
  event_id            uuid references disruption_events (id)
);
create index status_changes_office_idx on status_changes (office_id, seq);
create index status_changes_effective_idx on status_changes (effective_at);

create trigger status_changes_append_only
  before update or delete on status_changes
  for each row execute function forbid_change();

-- A retried write with the same Idempotency-Key gets the first answer back. Keys are
-- per token; the scheduler prunes them after a day.
create table idempotency_keys (
  token_id       uuid not null references api_tokens (id),
  key            text not null check (length(key) between 1 and 255),
  request_hash   text not null,
  status_code    integer,
  response_body  jsonb,
  headers        jsonb not null default '{}',
  created_at     timestamptz not null default now(),
  primary key (token_id, key)
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);

-- One row per scheduled run of a job: the replica that inserts it runs it.
create table job_slots (
  job          text not null,
  slot         timestamptz not null,
  claimed_by   text not null,
  claimed_at   timestamptz not null default now(),
  finished_at  timestamptz,
  outcome      jsonb,
  primary key (job, slot)
);

-- Instances that cache reads, and the newest change each has applied. A writer waits
-- until every live instance has acknowledged its change before it answers, so that
-- the client's next read, on whichever instance, sees it.
create table cache_listeners (
  instance_id   text primary key,
  seen_seq      bigint not null,
  heartbeat_at  timestamptz not null default now()
);
