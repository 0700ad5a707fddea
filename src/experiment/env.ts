/** What a results file records about the machine and the code that produced it. */
import * as os from "node:os";
import { spawnSync } from "node:child_process";
import type { EnvInfo } from "../results/schema";
import { MFLAB_VERSION } from "../core/version";

function git(args: string[], cwd: string): string | null {
  const r = spawnSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** mflab version, Node version, OS/CPU, git commit and dirty flag of `cwd` (null outside a git checkout). */
export function captureEnv(cwd: string = process.cwd(), now: Date = new Date()): EnvInfo {
  const commit = git(["rev-parse", "HEAD"], cwd);
  const status = commit === null ? null : git(["status", "--porcelain", "--untracked-files=no"], cwd);
  const cpus = os.cpus();
  return {
    mflab: MFLAB_VERSION,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: `${cpus.length} × ${cpus[0]?.model ?? "unknown"}`,
    gitCommit: commit,
    gitDirty: status === null ? null : status.length > 0,
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}
