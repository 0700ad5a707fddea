/**
 * Every error is a message: the `mflab` command (built dist/, real child processes) ends every failure with one
 * line on stderr — an expected error as its message, anything else as `mflab: internal error: … — please report
 * it; details in <log>` with the stack in that log — and never prints a stack trace.
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
