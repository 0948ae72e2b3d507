-- Replies may use only a share of the app's daily post budget (X_REPLY_BUDGET_SHARE), so that
-- status posts always have the rest: each send records whether it was a reply, and the app's
-- count by kind is read from the index (claims are serialised and count at every claim).
alter table fanout_sends
  add column kind text not null default 'status' check (kind in ('status', 'reply'));
update fanout_sends s set kind = 'reply' from fanout_posts p where p.id = s.post_id and p.kind = 'reply';
drop index fanout_sends_sent_idx;
create index fanout_sends_sent_idx on fanout_sends (sent_at) include (kind);
