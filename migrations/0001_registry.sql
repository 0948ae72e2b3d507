-- The office registry: groups, districts, cluster accounts, offices and their aliases,
-- and the audit log every change writes to.

create table office_groups (
  code        text primary key,
  name        text not null,
  start_date  date,
  end_date    date
);

create table districts (
  code        text primary key,
  name        text not null,
  group_code  text not null references office_groups (code),
  start_date  date,
  end_date    date
);

-- A cluster is one "@JCPin..." X account and the offices it speaks for.
create table clusters (
  id                     text primary key check (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name                   text not null,
  handle                 text not null check (handle ~ '^[A-Za-z0-9_]{1,15}$'),
  is_placeholder         boolean not null default false,
  x_user_id              text check (x_user_id ~ '^[0-9]{1,20}$'),
  languages              text[] not null default '{en}' check (languages <@ array['en', 'cy']::text[] and 'en' = any (languages)),
  -- Local (Europe/London) wall-clock times; the window may not wrap midnight.
  posting_window_start   time not null default '08:00',
  posting_window_end     time not null default '23:00',
  live_hours             jsonb not null default '{"days":[1,2,3,4,5],"start":"09:00","end":"17:00"}',
  include_links          boolean not null default false,
  paused                 boolean not null default false,
  -- AES-256-GCM ciphertext of the account's credentials; never returned by the API.
  credentials_encrypted  bytea,
  created_at             timestamptz not null default now(),
  updated_at             timestamptz not null default now(),
  check (posting_window_start < posting_window_end)
);
create unique index clusters_handle_key on clusters (lower(handle));

create table offices (
  id                 text primary key check (id ~ '^[a-z0-9][a-z0-9-]{0,127}$'),
  office_code        text not null,
  name               text not null,
  address            text not null,
  postcode           text not null,
  district_code      text not null references districts (code),
  cluster_id         text not null references clusters (id),
  -- Regular opening hours by ISO weekday (1 = Monday), local time.
  regular_hours      jsonb not null default '{"1":["09:00","17:00"],"2":["09:00","17:00"],"3":["09:00","17:00"],"4":["09:00","17:00"],"5":["09:00","17:00"]}',
  -- Set when the office closed for good (the register's end date, or the office
  -- left the register). Offices are never deleted: notices and history point at them.
  closed_permanently_on date,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now()
);
create index offices_cluster_idx on offices (cluster_id);
create index offices_district_idx on offices (district_code);
create index offices_postcode_idx on offices (postcode);
create index offices_office_code_idx on offices (office_code);

create table office_aliases (
  office_id  text not null references offices (id),
  alias      text not null check (length(alias) between 1 and 120),
  language   text not null check (language in ('en', 'cy')),
  primary key (office_id, alias)
);
create index office_aliases_lower_idx on office_aliases (lower(alias));

-- Append-only: who did what, when, to which entity, with the state before and after.
create table audit_log (
  id           bigint generated always as identity primary key,
  occurred_at  timestamptz not null default now(),
  actor        text not null,
  action       text not null,
  entity_type  text not null,
  entity_id    text not null,
  before       jsonb,
  after        jsonb
);
create index audit_log_entity_idx on audit_log (entity_type, entity_id, id);

create function forbid_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op
    using errcode = 'restrict_violation';
end;
$$;

create trigger audit_log_append_only
  before update or delete on audit_log
  for each row execute function forbid_change();
