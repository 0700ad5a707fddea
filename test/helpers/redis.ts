/**
 * A real Redis for the queue tests: Debian's `redis-server` (installed by `node scripts/bootstrap.js --redis`, which
 * `npm test` runs), started on a free loopback port in a temp folder, never a system service and never Docker.
 * Each test file starts its own ({@link startRedis} in beforeAll) and stops it (afterAll); every server's pid is
 * also written to the folder that test/helpers/redis-global.ts (a vitest globalSetup) creates, whose teardown kills
 * whatever a crashed test file left running. So no server outlives `vitest run`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const REDIS_SERVER = process.env.MFLAB_REDIS_SERVER || "/usr/bin/redis-server";
/** redis-cli of the same installation (Debian: package redis-tools, a dependency of redis-server). */
export const REDIS_CLI = process.env.MFLAB_REDIS_CLI || path.join(path.dirname(REDIS_SERVER), "redis-cli");

export interface RedisOptions {
  /** Keep the data across {@link RedisServer.stop} / {@link RedisServer.start} (append-only file, fsync always). */
  persist?: boolean;
  password?: string;
  /** Serve TLS only, with this certificate and key (PEM files). */
  tls?: { cert: string; key: string; ca: string };
}

export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:PORT` (`rediss://localhost:PORT` with TLS), with the password when there is one. */
  url: string;
  dir: string;
  /** Stop it (SIGTERM: it writes its data when persistent) and wait for the exit. */
  stop(): Promise<void>;
  /** Start it again on the same port and folder. */
  start(): Promise<void>;
  /** `redis-cli` against it; returns stdout. */
  cli(...args: string[]): string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

/** Start a redis-server for one test file (module doc). */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  if (!fs.existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} not found: the queue tests need Debian's redis-server — run \`node scripts/bootstrap.js --redis\` (npm test does)`,
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-redis-"));
  const port = await freePort();
  const args = [
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--logfile",
    path.join(dir, "redis.log"),
    "--daemonize",
    "no",
    "--save",
    "",
    "--appendonly",
    options.persist ? "yes" : "no",
    "--appendfsync",
    "always",
  ];
  if (options.password !== undefined) args.push("--requirepass", options.password);
  if (options.tls) {
    args.push("--port", "0", "--tls-port", String(port), "--tls-cert-file", options.tls.cert, "--tls-key-file", options.tls.key);
    args.push("--tls-ca-cert-file", options.tls.ca, "--tls-auth-clients", "no");
  } else {
    args.push("--port", String(port));
  }
  let child: ChildProcess | undefined;
  const registry = process.env.MFLAB_TEST_REDIS_DIR;
  const start = async () => {
    const log = path.join(dir, "redis.log");
    const before = fs.existsSync(log) ? fs.readFileSync(log, "utf8").length : 0;
    child = spawn(REDIS_SERVER, args, { stdio: "ignore" });
    live.add(child);
    const c = child;
    if (registry && c.pid) fs.writeFileSync(path.join(registry, `${c.pid}.pid`), String(c.pid));
    c.on("exit", () => {
      live.delete(c);
      if (registry && c.pid) fs.rmSync(path.join(registry, `${c.pid}.pid`), { force: true });
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const text = fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(before) : "";
      if (/Ready to accept connections/.test(text)) return;
      if (c.exitCode !== null) throw new Error(`redis-server exited (${c.exitCode}):\n${text}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not start in 15 s:\n${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
    });
  };
  await start();
  const auth = options.password !== undefined ? `:${encodeURIComponent(options.password)}@` : "";
  const url = options.tls ? `rediss://${auth}localhost:${port}` : `redis://${auth}127.0.0.1:${port}`;
  const cli = (...cmd: string[]) => {
    const base = ["-p", String(port), "--no-auth-warning"];
    if (options.password !== undefined) base.push("-a", options.password);
    if (options.tls) base.push("--tls", "--cacert", options.tls.ca);
    const r = spawnSync(REDIS_CLI, [...base, ...cmd], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`redis-cli ${cmd.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  return {
    port,
    url,
    dir,
    start,
    cli,
    stop: async () => {
      await stop();
    },
  };
}

/** Stop a server and remove its folder (afterAll). */
export async function removeRedis(server: RedisServer | undefined): Promise<void> {
  if (!server) return;
  await server.stop();
  fs.rmSync(server.dir, { recursive: true, force: true });
}
