// chapter: 05-lifecycle step 5.1
// The container's states, and which command may move it from one to the next (runc's
// state_linux.go, youki's can_start/can_kill). The record's status says what its last
// owner wrote; who is alive says the rest: a "created" record whose CLI still runs
// is being started, an ended one whose monitor still runs is being cleaned up after.
// start, kill, stop and rm ask this one table, under the store's lock, so two
// commands never both act on one container: an rm -f racing a start waits for it.
import type { ContainerState } from '../container/state.js';
import { alive } from '../container/sweep.js';

export type Phase = 'created' | 'starting' | 'running' | 'stopping' | 'exited' | 'removed';

/** the phases a container may go to from each phase */
const transitions: Record<Phase, readonly Phase[]> = {
  created: ['starting', 'removed'], // start; rm
  starting: ['running', 'created', 'exited'], // its command runs; the start failed; it ran and ended already
  running: ['stopping'], // kill, stop, or its command ended: its owner writes the end down
  stopping: ['exited'], // its owner (monitor or CLI) is done
  exited: ['starting', 'removed'], // start again; rm
  removed: [],
};

/** where a container is, from its (swept) record and the processes it names */
export function phaseOf(s: ContainerState): Phase {
  if (s.status === 'running' && alive(s.pid, s.pidStart)) return 'running';
  if (alive(s.cli, s.cliStart)) return s.status === 'created' ? 'starting' : 'stopping'; // its CLI or monitor is at work
  return s.status === 'created' ? 'created' : 'exited';
}

/** may a command move this container to `to` now? */
export const can = (s: ContainerState, to: Phase): boolean => transitions[phaseOf(s)].includes(to);
