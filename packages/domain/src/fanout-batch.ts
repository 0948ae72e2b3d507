// A batch of status posts queued but not begun gives way to a new composition when newer
// changes wait or its words went stale ("today", the stamp): what composing and claiming
// both decide about a batch.

/** What the rule needs to know of a queued batch. */
export interface QueuedBatchProgress {
  composedAt: Date;
  /** Some post of the batch was tried: it may be on X, so the batch must be finished as it is. */
  started: boolean;
}

/** Whether an unstarted batch gives way to a new composition: newer changes wait, or its words went stale. */
export function supersedable(
  batch: QueuedBatchProgress | undefined,
  hasPending: boolean,
  now: Date,
  recomposeAfterSeconds: number,
): boolean {
  return (
    !!batch &&
    !batch.started &&
    (hasPending || now.getTime() - batch.composedAt.getTime() >= recomposeAfterSeconds * 1000)
  );
}
