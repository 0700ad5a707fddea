/**
 * Vitest global setup for the queue tests' Redis servers (test/helpers/redis.ts): a folder where each server
 * started by a test file registers its pid, and a teardown that kills any still running when `vitest run` ends (a
 * test file that crashed or timed out before its afterAll). Starts nothing itself.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export default function setup(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-test-redis-pids-"));
  process.env.MFLAB_TEST_REDIS_DIR = dir;
  return () => {
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const pid = Number.parseInt(name, 10);
      let cmdline = "";
      try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        continue; // gone
      }
      if (cmdline.includes("redis-server")) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* gone meanwhile */
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
