import { pushToRemote, RemoteTargetMovedError, RemoteTransportError, remoteBranchHead, revParse } from '../git/index.js';
import type { CompensationAction } from './compensation-plan.js';
import { OverrideRefusedError } from './errors.js';
import type { RollbackRequest } from './rollback-patch.js';

// Issue 16: the emergency rollback of a patch of a run with `run.remote` reverts the target branch in the engine's
// clone, then pushes it — only over what Gantry left on the remote, and before the ledger moves.

/** The remote a rollback publishes to, and where the engine's clone had the target branch before the revert. */
export interface RollbackRemote {
  readonly url: string;
  readonly before: string;
}

/** With `run.remote`: the remote's target branch where the engine's clone has it, else refused (nothing changed). */
export async function assertRemoteAt(req: RollbackRequest, remote: RollbackRemote): Promise<void> {
  const target = req.plan.run.target_branch;
  let head: string | null;
  try {
    head = await remoteBranchHead(req.plan.run.repository, remote.url, target);
  } catch (err) {
    if (!(err instanceof RemoteTransportError)) throw err;
    throw new OverrideRefusedError('rollback-patch', 'patch_ledger', req.ledgerId, `the remote ${remote.url} cannot be read: ${err.reason}`, { cause: err });
  }
  if (head !== remote.before) throw new OverrideRefusedError('rollback-patch', 'patch_ledger', req.ledgerId, new RemoteTargetMovedError(remote.url, target, remote.before, head).message);
}

/**
 * The `publish` action (issue 16): the reverted target branch pushed to the remote while the remote is still where
 * the engine's clone was (`--force-with-lease`); a refused or failed push is a failed required action.
 */
export async function publishRevert(req: RollbackRequest, remote: RollbackRemote): Promise<CompensationAction> {
  const target = req.plan.run.target_branch;
  const after = await revParse(req.plan.run.repository, `refs/heads/${target}`);
  try {
    await pushToRemote(req.plan.run.repository, remote.url, [`${after}:refs/heads/${target}`], { lease: { ref: `refs/heads/${target}`, expected: remote.before } });
    return { action: 'publish', required: true, status: 'succeeded', detail: `pushed ${target} at ${after} to ${remote.url} (it was at ${remote.before})` };
  } catch (err) {
    if (!(err instanceof RemoteTransportError)) throw err;
    return { action: 'publish', required: true, status: 'failed', detail: `could not push ${target} to ${remote.url}: ${err.reason}` };
  }
}

/** Puts the remote's target branch back at `head` after a published revert whose ledger edge failed; what happened, said. */
export async function unpublishRevert(req: RollbackRequest, remote: RollbackRemote): Promise<string> {
  const target = req.plan.run.target_branch;
  const after = await revParse(req.plan.run.repository, `refs/heads/${target}`);
  try {
    await pushToRemote(req.plan.run.repository, remote.url, [`${remote.before}:refs/heads/${target}`], { lease: { ref: `refs/heads/${target}`, expected: after } });
    return `the remote's ${target} was put back at ${remote.before}`;
  } catch (err) {
    if (!(err instanceof RemoteTransportError)) throw err;
    return `the remote's ${target} keeps the revert ${after} (putting it back at ${remote.before} failed: ${err.reason})`;
  }
}
