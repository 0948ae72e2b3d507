-- Disruption events have owners: the districts and clusters whose managers may add
-- offices to the event, tie notices to it and end it (admins may always). Without them
-- any manager could add offices of their own to another district's event, and the
-- event's managers, who cover only their offices, could no longer end it.
--
-- An event started with offices is owned by their districts, except that a manager who
-- covers an office through one of their clusters (not its district) owns it by that
-- cluster; an event started empty is owned by the starting manager's districts and
-- clusters; by nobody but admins when an admin started it empty.
alter table disruption_events
  add column owner_district_codes text[] not null default '{}',
  add column owner_cluster_ids    text[] not null default '{}';

-- Events that exist already get the owners their start would have given them: the offices
-- added when the event started (added_at = started_at: one transaction, one clock) and
-- the token named in created_by ('token:<id>:<name>'). An office added later (possibly by
-- another district's manager) makes nobody an owner. Where the starter is unknown or an
-- admin, the districts of the first offices; of all its offices when it started empty.
with starter as (
  select e.id as event_id, t.role, t.district_codes, t.cluster_ids
  from disruption_events e
  left join api_tokens t on e.created_by like 'token:%' and t.id::text = split_part(e.created_by, ':', 2)
),
first_offices as (
  select l.event_id, o.district_code, o.cluster_id,
         -- A manager covers an office through its district, else through its cluster.
         coalesce(s.role = 'manager' and not (o.district_code = any (s.district_codes)), false) as through_cluster
  from disruption_event_offices l
  join disruption_events e on e.id = l.event_id and l.added_at = e.started_at
  join offices o on o.id = l.office_id
  join starter s on s.event_id = l.event_id
),
owners as (
  select e.id as event_id,
    case
      when exists (select 1 from first_offices f where f.event_id = e.id) then
        coalesce((select array_agg(distinct f.district_code order by f.district_code) from first_offices f where f.event_id = e.id and not f.through_cluster), '{}')
      when s.role = 'manager' then s.district_codes
      else coalesce((select array_agg(distinct o.district_code order by o.district_code)
                     from disruption_event_offices l join offices o on o.id = l.office_id where l.event_id = e.id), '{}')
    end as district_codes,
    case
      when exists (select 1 from first_offices f where f.event_id = e.id) then
        coalesce((select array_agg(distinct f.cluster_id order by f.cluster_id) from first_offices f where f.event_id = e.id and f.through_cluster), '{}')
      when s.role = 'manager' then s.cluster_ids
      else '{}'
    end as cluster_ids
  from disruption_events e
  join starter s on s.event_id = e.id
)
update disruption_events e
set owner_district_codes = owners.district_codes, owner_cluster_ids = owners.cluster_ids
from owners
where owners.event_id = e.id;
