#!/usr/bin/env node
/*
 * Scaling of a queue sweep on this machine: wall seconds of `mflab sweep` locally (--workers 1, 2) and through a
 * Redis queue with 1, 2 and 4 `mflab worker` processes, on the assignment grid (experiments/als-grid.json, 6 d × 4 λ)
 * on MovieLens 100K u1 (or synthetic data when it is absent). Configurations are interleaved (each repetition runs
 * every configuration, in a rotated order) and the median of the repetitions is reported.
 *
 *   node scripts/bench-queue.js [--reps 3] [--data DIR]     (after npm run build; needs /usr/bin/redis-server)
 *
 * Timed: the `mflab sweep` command, from start to exit (planning, data loading, every run fitted, the results
 * file written). Not timed: starting the workers (they are started and waiting before the sweep, as on a lab's
 * machines) and the Redis server (its own, on a free loopback port in a temp folder; stopped at the end).
 */
const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const BIN = path.join(ROOT, "bin", "mflab.js");
const REDIS_SERVER = process.env.MFLAB_REDIS_SERVER || "/usr/bin/redis-server";
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const reps = Number(option("--reps", "3"));
const ml100k = path.resolve(option("--data", process.env.MFLAB_ML100K || path.join(ROOT, "..", "shared", "datasets", "ml-100k")));
const dataArgs = fs.existsSync(path.join(ml100k, "u1.base")) ? ["--data", ml100k, "--split", "u1"] : [];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function waitFor(child, pattern, label) {
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (d) => {
      text += d;
      if (pattern.test(text)) {
        child.stdout.off("data", onData);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.on("exit", (code) => reject(new Error(`${label} exited (${code}) before ${pattern}:\n${text}`)));
  });
}

async function main() {
  const loadBefore = os.loadavg()[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-bench-queue-"));
  const port = await freePort();
  const redis = spawn(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await waitFor(redis, /Ready to accept connections/, "redis-server");
  const url = `redis://127.0.0.1:${port}`;
  const spec = path.join(ROOT, "experiments", "als-grid.json");
  let n = 0;
  const sweep = (extra) => {
    const out = path.join(dir, `r${n++}.json`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, "sweep", spec, ...dataArgs, "--out", out, "--quiet", ...extra], { cwd: dir, encoding: "utf8" });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`mflab sweep ${extra.join(" ")} failed:\n${r.stderr}`);
    return seconds;
  };
  const configs = [
    { label: "local, --workers 1", run: async () => sweep(["--workers", "1"]) },
    { label: "local, --workers 2", run: async () => sweep(["--workers", "2"]) },
    ...[1, 2, 4].map((k) => ({
      label: `queue, ${k} worker process${k > 1 ? "es" : ""}`,
      run: async () => {
        const workers = [];
        for (let i = 0; i < k; i++) {
          const w = spawn(process.execPath, [BIN, "worker", "--queue", url, "--quiet"], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
          workers.push(w);
        }
        await Promise.all(workers.map((w) => waitFor(w, /waiting for runs/, "mflab worker")));
        const t = await new Promise((resolve, reject) => {
          const out = path.join(dir, `r${n++}.json`);
          const t0 = performance.now();
          const c = spawn(process.execPath, [BIN, "sweep", spec, ...dataArgs, "--queue", url, "--out", out, "--quiet"], {
            cwd: dir,
            stdio: "ignore",
          });
          c.on("exit", (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`queue sweep exited ${code}`))));
        });
        for (const w of workers) w.kill("SIGKILL");
        return t;
      },
    })),
  ];
  const times = configs.map(() => []);
  try {
    for (let r = 0; r < reps; r++) {
      for (let j = 0; j < configs.length; j++) {
        const k = (j + r) % configs.length;
        const t = await configs[k].run();
        times[k].push(t);
        process.stderr.write(`rep ${r + 1}: ${configs[k].label}: ${t.toFixed(1)} s\n`);
      }
    }
  } finally {
    redis.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(times[0]);
  console.log(
    `data: ${dataArgs.length ? `${ml100k} u1` : "synthetic"}; ${os.cpus().length} cores; load average (1 min) before: ${loadBefore.toFixed(2)}`,
  );
  console.log(`| configuration | wall seconds (median of ${reps}) | runs | speed-up vs local --workers 1 |`);
  console.log("|---|---|---|---|");
  configs.forEach((c, k) => {
    console.log(
      `| ${c.label} | ${median(times[k]).toFixed(1)} (${times[k].map((t) => t.toFixed(1)).join(", ")}) | 24 | ${(base / median(times[k])).toFixed(2)}× |`,
    );
  });
  console.log(
    `load average (1, 5, 15 min) after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
}

main().catch((e) => {
  process.stderr.write(`bench-queue: ${e.message}\n`);
  process.exit(1);
});
