-- API tokens: only a SHA-256 hash of the secret is kept; the token is shown once.
create table api_tokens (
  id             uuid primary key,
  name           text not null check (length(name) between 1 and 100),
  role           text not null check (role in ('reader', 'manager', 'admin')),
  token_hash     text not null unique,
  -- A manager acts only on offices of these districts or clusters (empty: none).
  district_codes text[] not null default '{}',
  cluster_ids    text[] not null default '{}',
  created_by     text not null,
  created_at     timestamptz not null default now(),
  last_used_at   timestamptz,
  revoked_at     timestamptz
);
