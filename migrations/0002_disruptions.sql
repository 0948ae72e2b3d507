-- Disruption events and status notices. Notices are append-only: a correction or a
-- cancellation is a new notice pointing at the one it replaces, and an office's
-- effective status is derived from its notices, never stored as a mutable flag.

create table disruption_events (
  id           uuid primary key,
  name         text not null check (length(name) between 1 and 200),
  description  text,
  started_at   timestamptz not null default now(),
  ended_at     timestamptz,
  created_by   text not null,
  created_at   timestamptz not null default now()
);

create table disruption_event_offices (
  event_id   uuid not null references disruption_events (id),
  office_id  text not null references offices (id),
  added_at   timestamptz not null default now(),
  primary key (event_id, office_id)
);
create index disruption_event_offices_office_idx on disruption_event_offices (office_id);

create table status_notices (
  id                  uuid primary key,
  -- Creation order, which breaks ties between notices of equal timestamps.
  seq                 bigint generated always as identity unique,
  kind                text not null default 'notice' check (kind in ('notice', 'correction', 'cancellation')),
  -- The notice this one corrects or cancels.
  replaces_id         uuid references status_notices (id),
  status              text not null check (status in ('open', 'closed', 'delayed')),
  cause               text check (cause in ('weather', 'flooding', 'power_failure', 'heating_failure', 'building',
                                            'staffing', 'security', 'industrial_action', 'other')),
  message             text check (length(message) <= 1000),
  active_from         timestamptz not null,
  active_until        timestamptz,
  -- For `delayed`: when the office opens; for `closed`: when it is expected to reopen.
  expected_reopen_at  timestamptz,
  reopen_certainty    text not null default 'unknown' check (reopen_certainty in ('confirmed', 'expected', 'unknown')),
  author              text not null,
  event_id            uuid references disruption_events (id),
  created_at          timestamptz not null default now(),
  check (active_until is null or active_until > active_from),
  check ((kind = 'notice') = (replaces_id is null))
);
create index status_notices_event_idx on status_notices (event_id);

create table status_notice_offices (
  notice_id  uuid not null references status_notices (id),
  office_id  text not null references offices (id),
  primary key (notice_id, office_id)
);
create index status_notice_offices_office_idx on status_notice_offices (office_id, notice_id);

create trigger status_notices_append_only
  before update or delete on status_notices
  for each row execute function forbid_change();

create trigger status_notice_offices_append_only
  before update or delete on status_notice_offices
  for each row execute function forbid_change();
