/**
 * Every error is a message: the `mflab` command (built dist/, real child processes) ends every failure with one
 * line on stderr — an expected error as its message, anything else as `mflab: internal error: … — please report
 * it; details in <log>` with the stack in that log — and never prints a stack trace. Also the input files that
 * used to end in a stack trace or a hang: unreadable files (run as an unprivileged user: root reads anything),
 * FIFOs, devices, sockets and folders where a file is expected, and more folds than ratings.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "mflab.js");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-cli-errors-"));
fs.chmodSync(TMP, 0o777); // the unprivileged user runs the command in here
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** A stack frame as node prints it: `    at fn (file.js:1:2)`. */
const STACK_FRAME = /^\s+at .*(:\d+:\d+\)?|\(native\)|<anonymous>\)?)$/m;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node [nodeArgs] bin/mflab.js args` in `cwd`, with TMPDIR (where internal-error logs go) set to `tmpdir`. */
function mflab(args: string[], options: { cwd?: string; nodeArgs?: string[]; env?: Record<string, string>; prefix?: string[] } = {}): Run {
  const prefix = options.prefix ?? [];
  const command = [...prefix, process.execPath, ...(options.nodeArgs ?? []), BIN, ...args];
  const r = spawnSync(command[0], command.slice(1), {
    cwd: options.cwd ?? TMP,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, TMPDIR: TMP, ...options.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function dir(name: string): string {
  const d = path.join(TMP, name);
  fs.mkdirSync(d, { recursive: true, mode: 0o777 });
  fs.chmodSync(d, 0o777);
  return d;
}

const tinySpec = {
  name: "tiny",
  data: { kind: "synthetic", nUsers: 20, nItems: 20, nRatings: 100, seed: 1 },
  model: "als",
  params: { maxIterations: 2, stopping: "none" },
  grid: { d: [1] },
  seed: 5,
};

function specFile(where: string): string {
  const f = path.join(where, "tiny.json");
  fs.writeFileSync(f, JSON.stringify(tinySpec));
  fs.chmodSync(f, 0o644);
  return f;
}

/** The one line an expected error prints, checked: exit 1, nothing else on stderr, no stack frame. */
function expectOneLine(r: Run, line: string): void {
  expect(r.stderr).toBe(`${line}\n`);
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(r.code).toBe(1);
}

// ---------------------------------------------------------------------------------------------------------
// Internal errors

/**
 * A preload (`node --require`) that breaks the built CLI on purpose, as chosen by $MFLAB_FAULT: the report
 * command throws (an Error or a string), throws later in a timer, or leaves a rejected promise unhandled; or the
 * CLI module fails to load.
 */
const PRELOAD = path.join(TMP, "fault.js");
fs.writeFileSync(
  PRELOAD,
  `"use strict";
const Module = require("node:module");
const fault = process.env.MFLAB_FAULT;
const report = require(${JSON.stringify(path.join(ROOT, "dist", "cli", "report.js"))});
if (fault === "throw") report.reportCommand = async () => { throw new TypeError("injected fault\\nsecond line"); };
if (fault === "string") report.reportCommand = async () => { throw "a thrown string"; };
if (fault === "uncaught") report.reportCommand = () => new Promise(() => setTimeout(() => { throw new RangeError("injected late fault"); }, 10));
if (fault === "rejection") report.reportCommand = () => { setTimeout(() => Promise.reject(new Error("injected rejection")), 10); return new Promise(() => {}); };
if (fault === "load") {
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (/dist[\\\\/]cli[\\\\/]main\\.js$/.test(request)) throw new SyntaxError("injected load failure");
    return load.call(this, request, ...rest);
  };
}
`,
);

/** Run `mflab report x.json` with a fault injected; returns the run and the log file it names. */
function withFault(fault: string): Run & { log: string } {
  const r = mflab(["report", "x.json"], { nodeArgs: ["--require", PRELOAD], env: { MFLAB_FAULT: fault } });
  const m = /details in (\S+\.log)\n$/.exec(r.stderr);
  return { ...r, log: m ? m[1] : "" };
}

describe("an unexpected error is one line plus a log file, never a stack trace", () => {
  it.each([
    ["throw", "injected fault"],
    ["uncaught", "injected late fault"],
    ["rejection", "injected rejection"],
    ["load", "injected load failure"],
  ])("%s: mflab: internal error: <message> — please report it; details in <log>", (fault, message) => {
    const r = withFault(fault);
    expect(r.stderr).toMatch(
      new RegExp(`^mflab: internal error: ${message} — please report it; details in ${TMP}/mflab-error-[\\dTZ-]+-\\d+\\.log\\n$`),
    );
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.code).toBe(1);
    const log = fs.readFileSync(r.log, "utf8");
    expect(log).toContain(message);
    expect(log).toMatch(STACK_FRAME); // the stack is in the log
    expect(log).toMatch(/^command: mflab report x\.json$/m);
  });

  it("a thrown value that is not an Error is reported the same way", () => {
    const r = withFault("string");
    expect(r.stderr).toMatch(/^mflab: internal error: a thrown string — please report it; details in \S+\.log\n$/);
    expect(r.code).toBe(1);
    expect(fs.readFileSync(r.log, "utf8")).toContain('thrown value (not an Error): "a thrown string"');
  });

  it("when the log cannot be written, the line says so (still no stack)", () => {
    const r = mflab(["report", "x.json"], {
      nodeArgs: ["--require", PRELOAD],
      env: { MFLAB_FAULT: "throw", TMPDIR: path.join(TMP, "no-such-dir") },
    });
    expect(r.stderr).toMatch(/^mflab: internal error: injected fault — please report it; the details could not be written to \S+ \(ENOENT\)\n$/);
    expect(r.code).toBe(1);
  });

  it("a reader that closes the pipe early (mflab models | head -c 1) is not an error", async () => {
    const child = spawn(process.execPath, [BIN, "models"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("no path in the CLI prints an exception itself: only crash.ts reads a stack, to write it to the log", () => {
    const cli = path.join(ROOT, "src", "cli");
    const files = [...fs.readdirSync(cli).map((f) => path.join(cli, f)), BIN];
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      const name = path.relative(ROOT, file);
      for (const [k, line] of text.split("\n").entries()) {
        const where = `${name}:${k + 1}: ${line.trim()}`;
        // printing an error object or its stack
        expect(line, where).not.toMatch(/console\.(error|log|warn|info)\(\s*(e|err|error)\s*[),]/);
        expect(line, where).not.toMatch(/(stderr|stdout)\.write\(\s*(e|err|error)\s*[),]/);
        if (/\.stack\b/.test(line)) {
          expect(
            name === path.join("src", "cli", "crash.ts") || (name === path.join("bin", "mflab.js") && /writeFileSync\(log,/.test(line)),
            where,
          ).toBe(true);
        }
        // a catch-all that rethrows would let the error through to node's own printer
        if (name === path.join("src", "cli", "main.ts")) expect(line, where).not.toMatch(/^\s*throw e;/);
      }
    }
    const bin = fs.readFileSync(BIN, "utf8");
    expect(bin).toMatch(/process\.on\("uncaughtException"/);
    expect(bin).toMatch(/process\.on\("unhandledRejection"/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Input files that used to end in a stack trace, a hang or a runaway read

/** How to run a command as an unprivileged user (root reads a mode-000 file), or undefined when there is no way. */
function unprivileged(): string[] | undefined {
  if (process.getuid?.() !== 0) return [];
  const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
  if (has("setpriv")) return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
  if (has("runuser")) return ["runuser", "-u", "nobody", "--"];
  return undefined;
}
const AS_USER = unprivileged();
if (!AS_USER) console.warn("skipping the permission tests: running as root without setpriv or runuser to drop privileges");

const U_DATA = "1\t1\t5\t10\n1\t2\t3\t11\n2\t1\t4\t12\n2\t2\t2\t13\n3\t1\t1\t14\n";

describe.skipIf(!AS_USER)("unreadable files (EACCES), run as an unprivileged user", () => {
  const run = (args: string[], cwd: string) => mflab(args, { cwd, prefix: AS_USER });

  it("a ratings file: permission denied (cannot read the ratings file)", () => {
    const d = dir("eacces-file");
    fs.writeFileSync(path.join(d, "u.data"), U_DATA, { mode: 0o000 });
    fs.chmodSync(path.join(d, "u.data"), 0o000);
    expectOneLine(
      run(["sweep", specFile(d), "--data", "u.data", "--out", "o.json"], d),
      "mflab: u.data: permission denied (cannot read the ratings file)",
    );
  });

  it("u1.base in a MovieLens folder: permission denied; an unreadable u.item is only a warning", () => {
    const d = dir("eacces-ml");
    const ml = dir("eacces-ml/ml");
    for (const f of ["u.data", "u1.base", "u1.test", "u.item"]) fs.copyFileSync(path.join(ROOT, "test", "fixtures", "ml-mini", f), path.join(ml, f));
    fs.chmodSync(path.join(ml, "u.item"), 0o000);
    const ok = run(["sweep", specFile(d), "--data", "ml", "--out", "o.json", "--quiet"], d);
    expect(ok.stderr).toBe(`warning: ${path.join("ml", "u.item")}: permission denied (cannot read the titles file); the items have no titles\n`);
    expect(ok.code).toBe(0);
    fs.chmodSync(path.join(ml, "u1.base"), 0o000);
    expectOneLine(
      run(["sweep", specFile(d), "--data", "ml", "--out", "o2.json", "--quiet"], d),
      `mflab: ${path.join("ml", "u1.base")}: permission denied (cannot read the ratings file)`,
    );
  });

  it("a data folder, and a spec file", () => {
    const d = dir("eacces-dir");
    const ml = dir("eacces-dir/ml");
    fs.writeFileSync(path.join(ml, "u.data"), U_DATA);
    fs.chmodSync(ml, 0o000);
    expectOneLine(run(["sweep", specFile(d), "--data", "ml", "--out", "o.json"], d), "mflab: ml: permission denied (cannot read the data folder)");
    fs.chmodSync(specFile(d), 0o000);
    expectOneLine(run(["sweep", "tiny.json"], d), "mflab: tiny.json: permission denied (cannot read the spec file)");
  });
});

describe("paths that are not regular files are refused, never read", () => {
  it("a FIFO as ratings file, spec or results file: refused at once (no hang)", () => {
    const d = dir("fifo");
    const fifo = path.join(d, "ratings.csv");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return; // no mkfifo: nothing to test
    const started = Date.now();
    expectOneLine(
      mflab(["sweep", specFile(d), "--data", "ratings.csv", "--out", "o.json"], { cwd: d }),
      "mflab: ratings.csv: is a FIFO (named pipe), expected a ratings file; only regular files are read",
    );
    expectOneLine(
      mflab(["sweep", "ratings.csv"], { cwd: d }),
      "mflab: ratings.csv: is a FIFO (named pipe), expected a spec file; only regular files are read",
    );
    expectOneLine(
      mflab(["summary", "ratings.csv"], { cwd: d }),
      "mflab: ratings.csv: is a FIFO (named pipe), expected a results file; only regular files are read",
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("/dev/zero: refused as a character device (it used to be read until memory ran out)", () => {
    expectOneLine(
      mflab(["sweep", specFile(dir("zero")), "--data", "/dev/zero", "--out", "o.json"], { cwd: path.join(TMP, "zero") }),
      "mflab: /dev/zero: is a character device, expected a ratings file; only regular files are read",
    );
  });

  it("a socket", async () => {
    const d = dir("socket");
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(d, "r.csv"), resolve));
    try {
      expectOneLine(
        mflab(["sweep", specFile(d), "--data", "r.csv", "--out", "o.json"], { cwd: d }),
        "mflab: r.csv: is a socket, expected a ratings file; only regular files are read",
      );
    } finally {
      server.close();
    }
  });

  it("a folder where a file is expected: the spec, a ratings file in a spec, u.item (a warning)", () => {
    const d = dir("folders");
    fs.mkdirSync(path.join(d, "spec.json"), { recursive: true });
    expectOneLine(mflab(["sweep", "spec.json"], { cwd: d }), "mflab: spec.json: is a folder, expected a spec file");
    fs.mkdirSync(path.join(d, "r.csv"), { recursive: true });
    fs.writeFileSync(path.join(d, "s.json"), JSON.stringify({ ...tinySpec, data: { kind: "ratings-file", path: "r.csv" } }));
    expectOneLine(mflab(["sweep", "s.json", "--out", "o.json"], { cwd: d }), "mflab: r.csv: is a folder, expected a ratings file");
    const ml = dir("folders/ml");
    for (const f of ["u.data", "u1.base", "u1.test"]) fs.copyFileSync(path.join(ROOT, "test", "fixtures", "ml-mini", f), path.join(ml, f));
    fs.mkdirSync(path.join(ml, "u.item"));
    const r = mflab(["sweep", specFile(d), "--data", "ml", "--out", "o2.json", "--quiet"], { cwd: d });
    expect(r.stderr).toBe(`warning: ${path.join("ml", "u.item")}: is a folder, expected a titles file; the items have no titles\n`);
    expect(r.code).toBe(0);
  });
});

describe("a file too large for what it should be", () => {
  it("a spec file over 64 MiB is refused before it is read", () => {
    const d = dir("huge");
    fs.writeFileSync(path.join(d, "big.json"), "");
    fs.truncateSync(path.join(d, "big.json"), 3 * 2 ** 30); // sparse: 3 GiB that take no disk
    expectOneLine(mflab(["sweep", "big.json"], { cwd: d }), "mflab: big.json: is 3072 MiB, too large for a spec file (at most 64 MiB)");
  });
});

describe("data that cannot be split as asked", () => {
  it("more folds than ratings: a spec error naming folds", () => {
    const d = dir("folds");
    fs.writeFileSync(path.join(d, "u.data"), U_DATA);
    expectOneLine(
      mflab(["sweep", specFile(d), "--data", "u.data", "--folds", "10", "--out", "o.json", "--quiet"], { cwd: d }),
      "mflab: folds must be at most the number of ratings (5), so that every test fold holds at least one rating, got 10",
    );
  });
});
