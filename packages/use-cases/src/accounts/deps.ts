import type { AccountReadOptions, DB } from '@jcp/db';
import { DEFAULT_APP_POST_BUDGET, DEFAULT_USER_POST_BUDGET, type AppBudgetRule, type BudgetRule } from '@jcp/domain';
import type { Kysely } from 'kysely';
import { fail, type Problem } from '../problems.js';

/** What the account use cases need: the database, and the budgets and coalescing window the health reports. */
export interface AccountDeps {
  db: Kysely<DB>;
  /** Default: X's 100 posts per 15 minutes per user. */
  userBudget?: BudgetRule | undefined;
  /** Default: X's 10,000 posts per 24 hours per app, half of it for replies. */
  appBudget?: AppBudgetRule | undefined;
  /** FANOUT_COALESCE_SECONDS, to say when gathered changes will go (default 60). */
  coalesceSeconds?: number | undefined;
}

export function readOptions(deps: AccountDeps): AccountReadOptions {
  return {
    userBudget: deps.userBudget ?? DEFAULT_USER_POST_BUDGET,
    ...(deps.coalesceSeconds === undefined ? {} : { coalesceSeconds: deps.coalesceSeconds }),
  };
}

export function budgets(deps: AccountDeps): { user: BudgetRule; app: AppBudgetRule } {
  return { user: deps.userBudget ?? DEFAULT_USER_POST_BUDGET, app: deps.appBudget ?? DEFAULT_APP_POST_BUDGET };
}

export const accountNotFound = (id: string): Problem => fail('ACCOUNT_NOT_FOUND', `No account ${id}`);
