-- Citizens' data is kept no longer than it is needed (UK GDPR storage limitation).
--
-- Mentions and the replies to them are deleted after a retention (MENTION_RETENTION_DAYS;
-- open inbox items up to MENTION_INBOX_RETENTION_DAYS), by the API's scheduler, in small
-- batches. What statistics need survives as counts per London day, which name nobody.
-- An opt-out ("stop") must outlive the mention that said it: it is kept as a keyed hash
-- (HMAC-SHA256 under OPT_OUT_HASH_KEY) of the author's X id, never the id itself.

-- Opt-outs: the hash, computed by the service (the key is not the database's to know).
-- Rows from before this migration hold the raw id until the scheduler's next pruning
-- hashes them (it needs the key); until then, ingestion checks both columns. A row is
-- one or the other, never both. A later migration drops author_id.
alter table mention_opt_outs
  drop constraint mention_opt_outs_pkey,
  drop column mention_id,
  alter column author_id drop not null,
  add column author_hash text unique check (author_hash ~ '^[0-9a-f]{64}$'),
  add constraint mention_opt_outs_author_id_key unique (author_id),
  add constraint mention_opt_outs_one_of check ((author_id is null) <> (author_hash is null));

-- The audit log names a mention by a random reference, not by its X post id (which leads
-- to its author on X): once the mention is deleted, its audit entries lead nowhere.
alter table mentions add column ref uuid not null default gen_random_uuid();

-- The audit log is append-only; this once, entries already written about mentions lose
-- what leads to a citizen: the X post id (replaced by the mention's reference, or a random
-- one) and the handler's free-text note (kept as whether there was one).
alter table audit_log disable trigger audit_log_append_only;
update audit_log a
  set entity_id = m.ref::text
  from mentions m
  where a.entity_type = 'mention' and a.entity_id = m.x_post_id;
update audit_log
  set entity_id = gen_random_uuid()::text
  where entity_type = 'mention' and entity_id ~ '^[0-9]+$';
update audit_log
  set after = (after - 'note') || jsonb_build_object('hasNote', coalesce(after ->> 'note', '') <> '')
  where entity_type = 'mention' and after ? 'note';
alter table audit_log enable trigger audit_log_append_only;

-- What is left of pruned mentions: how many, per London day, account and outcome.
create table mention_stats (
  day          date not null,
  cluster_id   text not null references clusters (id),
  source       text not null check (source in ('poll', 'webhook')),
  intent       text not null check (intent in ('status', 'other')),
  language     text not null check (language in ('en', 'cy')),
  decision     text not null check (decision in ('reply', 'signpost', 'inbox', 'opted-out', 'ignored')),
  reason       text not null,
  -- The reply's last state (queued never: a mention is pruned once its reply is settled), or none.
  reply_state  text not null check (reply_state in ('none', 'delivered', 'failed', 'superseded')),
  mentions     integer not null check (mentions > 0),
  primary key (day, cluster_id, source, intent, language, decision, reason, reply_state)
);

-- And which offices people asked about, per London day.
create table mention_office_stats (
  day        date not null,
  office_id  text not null,
  mentions   integer not null check (mentions > 0),
  primary key (day, office_id)
);

-- A public page of an account's posts is of its status posts only: read through their own
-- index rather than stepping over the replies.
create index fanout_posts_status_idx on fanout_posts (cluster_id, id) where kind = 'status';
