/**
 * cgroup v2 limits per worker (memory.max, pids.max, cpu.max), where the host lets us create
 * cgroups: as root under `<cgroup2 mount>/bulwark`, or under a cgroup delegated to the caller
 * (systemd `Delegate=yes`, configured as `[sandbox.cgroup] parent`). The parent creates one child
 * cgroup per worker and the launcher moves itself into it before dropping root, so the limits hold
 * for the worker's whole process tree, whatever it forks. Where no cgroup can be made, the workers
 * have only their rlimits (per process, and RLIMIT_NPROC per uid), and `doctor` and `policy` say so.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type CgroupMode = 'auto' | 'required' | 'off';

export interface CgroupSettings {
  /** auto: use when available, else rlimits only; required: refuse to start without; off: never. */
  mode: CgroupMode;
  /** A delegated cgroup directory to create workers under; default (root only): `<mount>/bulwark`. */
  parent?: string;
  /** memory.max of each worker, bytes (swap is set to 0 where the kernel offers memory.swap.max). */
  memoryBytes: number;
  /** pids.max of each worker: processes and threads of its tree. */
  pids: number;
  /** cpu.max of each worker, percent of one CPU. */
  cpuPercent: number;
}

export const DEFAULT_CGROUP: CgroupSettings = { mode: 'auto', memoryBytes: 2 * 1024 ** 3, pids: 512, cpuPercent: 100 };
export const CGROUP_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
const CPU_PERIOD_US = 100_000;

export interface CgroupSupport {
  available: boolean;
  /** The directory workers' cgroups are created in (when available). */
  parent?: string;
  /** Why not, or what is used. */
  reason: string;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The mount point of the cgroup v2 hierarchy, from a mountinfo text (fstype after " - "). */
export function cgroup2Mount(mountinfo: string | undefined = read('/proc/self/mountinfo')): string | undefined {
  for (const line of (mountinfo ?? '').split('\n')) {
    const [left, right] = line.split(' - ');
    if (right?.split(' ')[0] === 'cgroup2') return left?.split(' ')[4]?.replace(/\\040/g, ' ');
  }
  return undefined;
}

function words(file: string): Set<string> {
  return new Set((read(file) ?? '').split(/\s+/).filter(Boolean));
}

function missing(dir: string): string[] {
  const have = words(path.join(dir, 'cgroup.controllers'));
  return CGROUP_CONTROLLERS.filter((c) => !have.has(c));
}

/** Turns the controllers on for DIR's children; true when they all are. */
function enableForChildren(dir: string): boolean {
  const file = path.join(dir, 'cgroup.subtree_control');
  const on = words(file);
  const want = CGROUP_CONTROLLERS.filter((c) => !on.has(c));
  if (want.length === 0) return true;
  try {
    writeFileSync(file, want.map((c) => `+${c}`).join(' '));
  } catch {
    return false;
  }
  const after = words(file);
  return CGROUP_CONTROLLERS.every((c) => after.has(c));
}

/**
 * Whether per-worker cgroups can be made here, preparing the parent on the way (created under the
 * mount as root; memory, pids and cpu enabled for its children). Never creates anything when the
 * controllers are not offered. `mountinfo` and `euid` are for tests.
 */
export function prepareCgroupParent(s: CgroupSettings, o: { mountinfo?: string; euid?: number } = {}): CgroupSupport {
  // the host's answer does not change while we run: ask it once per settings (not for test inputs)
  const key = o.mountinfo === undefined && o.euid === undefined ? `${s.mode}\0${s.parent ?? ''}` : undefined;
  const known = key !== undefined ? answers.get(key) : undefined;
  if (known) return known;
  const answer = checkCgroupParent(s, o);
  if (key !== undefined) answers.set(key, answer);
  return answer;
}
const answers = new Map<string, CgroupSupport>();

function checkCgroupParent(s: CgroupSettings, o: { mountinfo?: string; euid?: number }): CgroupSupport {
  if (s.mode === 'off') return { available: false, reason: 'off ([sandbox.cgroup] mode = "off")' };
  const euid = o.euid ?? process.geteuid?.() ?? -1;
  const mount = cgroup2Mount(o.mountinfo ?? read('/proc/self/mountinfo'));
  if (!mount) return { available: false, reason: 'no cgroup v2 hierarchy is mounted (cgroup v1 only)' };
  if (!s.parent && euid !== 0)
    return { available: false, reason: 'not root and no delegated cgroup configured ([sandbox.cgroup] parent, e.g. from systemd Delegate=yes)' };
  const parent = path.resolve(s.parent ?? path.join(mount, 'bulwark'));
  if (parent !== mount && !parent.startsWith(mount + '/')) return { available: false, reason: `${parent} is not under the cgroup v2 mount ${mount}` };
  const above = path.dirname(parent);
  if (!s.parent) {
    // Our own parent under the mount: the controllers must be offered there and passed down.
    const lacking = missing(above);
    if (lacking.length > 0) {
      const offered = [...words(path.join(above, 'cgroup.controllers'))].join(' ') || 'none';
      return {
        available: false,
        reason: `cgroup v2 at ${above} does not offer ${lacking.join(', ')} (offered: ${offered}; a cgroup v1 hierarchy may hold them)`,
      };
    }
    if (!enableForChildren(above)) return { available: false, reason: `cannot enable ${CGROUP_CONTROLLERS.join(', ')} in ${above}/cgroup.subtree_control` };
    try {
      mkdirSync(parent, { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return { available: false, reason: `cannot create ${parent}: ${(e as Error).message}` };
    }
  } else if (!existsSync(path.join(parent, 'cgroup.procs'))) {
    return { available: false, reason: `[sandbox.cgroup] parent ${parent} is not a cgroup directory` };
  }
  const lacking = missing(parent);
  if (lacking.length > 0) return { available: false, reason: `${parent} is not offered ${lacking.join(', ')} by its parent cgroup` };
  if (!enableForChildren(parent))
    return {
      available: false,
      reason: `cannot enable ${CGROUP_CONTROLLERS.join(', ')} for children of ${parent} (it must hold no process itself, and be writable by us)`,
    };
  return { available: true, parent, reason: `per-worker cgroups under ${parent}` };
}

let counter = 0;

export interface WorkerCgroup {
  dir: string;
  /** Kills whatever is left in it, waits until it is empty, removes it. Never throws. */
  remove(): Promise<void>;
}

/** Creates one worker's cgroup under `parent` with the limits; throws when a limit cannot be set. */
export function createWorkerCgroup(parent: string, s: CgroupSettings, tag: string): WorkerCgroup {
  const dir = path.join(parent, `w-${process.pid}-${++counter}-${tag.replace(/[^A-Za-z0-9_-]/g, '_')}`);
  mkdirSync(dir);
  const remove = async (): Promise<void> => {
    const kill = path.join(dir, 'cgroup.kill');
    try {
      if (existsSync(kill)) writeFileSync(kill, '1');
    } catch {
      // older kernels: the process group was killed already
    }
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(dir);
        return;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return;
        if (code !== 'EBUSY') return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    writeFileSync(path.join(dir, 'memory.max'), String(s.memoryBytes));
    if (existsSync(path.join(dir, 'memory.swap.max'))) writeFileSync(path.join(dir, 'memory.swap.max'), '0');
    writeFileSync(path.join(dir, 'pids.max'), String(s.pids));
    writeFileSync(path.join(dir, 'cpu.max'), `${Math.max(1000, Math.round((s.cpuPercent / 100) * CPU_PERIOD_US))} ${CPU_PERIOD_US}`);
  } catch (e) {
    void remove();
    throw e;
  }
  return { dir, remove };
}
