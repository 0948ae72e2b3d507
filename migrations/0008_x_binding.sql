-- Which X this database's accounts belong to: the X emulator (development) or a real X API.
--
-- One row, written once, on first use: by the emulator when it gives the accounts their
-- identities (`pnpm start`), by storing credentials X has verified, or by a service or worker
-- starting with X_API_BASE_URL. Emulator identities (generated tokens, made-up X user ids)
-- are never written into a database bound to a real X, and real credentials never stored in
-- one bound to the emulator; nothing changes the row afterwards.
create table x_binding (
  singleton  boolean primary key default true check (singleton),
  kind       text not null check (kind in ('emulator', 'x')),
  -- The real X API's base URL as first bound (null for the emulator, or when not known).
  base_url   text check (base_url ~ '^https?://'),
  bound_at   timestamptz not null default now(),
  bound_by   text not null,
  check (kind = 'x' or base_url is null)
);

-- A database in use before this migration: bound to the emulator if every X identity it
-- holds was written by the emulator (its audit entry is the account's last word on its
-- credentials and X user id), to a real X if any was not, and left unbound if it holds none.
insert into x_binding (kind, bound_by)
select case when bool_and(by_emulator) then 'emulator' else 'x' end, 'migration 0008'
from (
  select exists (
    select 1 from audit_log a
    where a.entity_type = 'cluster' and a.entity_id = c.id
      and a.actor = 'system:x-emulator' and a.action = 'cluster.credentials_set'
      and a.after ->> 'xUserId' is not distinct from c.x_user_id
      and not exists (
        select 1 from audit_log b
        where b.entity_type = 'cluster' and b.entity_id = c.id and b.id > a.id
          and (b.action = 'cluster.credentials_set' or (b.after ? 'xUserId' and b.action in ('cluster.created', 'cluster.updated'))))
  ) as by_emulator
  from clusters c
  where c.credentials_encrypted is not null or c.x_user_id is not null
) as identities
having count(*) > 0;
