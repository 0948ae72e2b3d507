-- One name per concept: an "@JCPin..." X account was a `cluster` in the database and an
-- `account` in the API. From here on it is an account everywhere: the table, every column that
-- points at it, and the names of their indexes and constraints. Rows of the append-only
-- audit_log written before this migration keep the names they were written with
-- (entity_type 'cluster', actions 'cluster.*').
alter table clusters rename to accounts;
alter table accounts rename constraint clusters_pkey to accounts_pkey;
alter index clusters_handle_key rename to accounts_handle_key;
alter table accounts rename constraint clusters_id_check to accounts_id_check;
alter table accounts rename constraint clusters_handle_check to accounts_handle_check;
alter table accounts rename constraint clusters_x_user_id_check to accounts_x_user_id_check;
alter table accounts rename constraint clusters_languages_check to accounts_languages_check;
alter table accounts rename constraint clusters_check to accounts_check;
alter table accounts rename constraint clusters_link_check to accounts_link_check;
alter table accounts rename constraint clusters_coalesce_seconds_check to accounts_coalesce_seconds_check;
alter table accounts rename constraint clusters_paused_reason_check to accounts_paused_reason_check;

alter table offices rename column cluster_id to account_id;
alter table offices rename constraint offices_cluster_id_fkey to offices_account_id_fkey;
alter index offices_cluster_idx rename to offices_account_idx;

alter table api_tokens rename column cluster_ids to account_ids;
alter table disruption_events rename column owner_cluster_ids to owner_account_ids;

alter table fanout_batches rename column cluster_id to account_id;
alter table fanout_batches rename constraint fanout_batches_cluster_id_fkey to fanout_batches_account_id_fkey;
alter index fanout_batches_cluster_idx rename to fanout_batches_account_idx;

alter table fanout_outbox rename column cluster_id to account_id;
alter table fanout_outbox rename constraint fanout_outbox_cluster_id_fkey to fanout_outbox_account_id_fkey;

alter table fanout_posts rename column cluster_id to account_id;
alter table fanout_posts rename constraint fanout_posts_cluster_id_fkey to fanout_posts_account_id_fkey;
alter index fanout_posts_cluster_idx rename to fanout_posts_account_idx;

alter table fanout_sends rename column cluster_id to account_id;
alter table fanout_sends rename constraint fanout_sends_cluster_id_fkey to fanout_sends_account_id_fkey;
alter index fanout_sends_cluster_idx rename to fanout_sends_account_idx;

alter table fanout_accounts rename column cluster_id to account_id;
alter table fanout_accounts rename constraint fanout_accounts_cluster_id_fkey to fanout_accounts_account_id_fkey;

alter table mentions rename column cluster_id to account_id;
alter table mentions rename constraint mentions_cluster_id_fkey to mentions_account_id_fkey;
alter index mentions_cluster_idx rename to mentions_account_idx;

alter table mention_cursors rename column cluster_id to account_id;
alter table mention_cursors rename constraint mention_cursors_cluster_id_fkey to mention_cursors_account_id_fkey;

alter table mention_stats rename column cluster_id to account_id;
alter table mention_stats rename constraint mention_stats_cluster_id_fkey to mention_stats_account_id_fkey;
