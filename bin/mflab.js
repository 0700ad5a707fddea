#!/usr/bin/env node
// The `mflab` command. main() (dist/cli/main.js) prints every error as one line; what escapes it (an exception
// thrown in a callback, a promise rejected without a handler, a library that fails to load) is reported here the
// same way: `mflab: internal error: … — please report it; details in <log file>` (dist/cli/crash.js), exit 1.
const argv = process.argv.slice(2);

/** One line on stderr, the stack in a log file; never throws. */
function internalError(e) {
  try {
    return require("../dist/cli/crash.js").reportInternalError(e, argv);
  } catch {
    // crash.js itself cannot load: the same line and log, by hand.
    const fs = require("node:fs");
    const log = require("node:path").join(require("node:os").tmpdir(), `mflab-error-${Date.now()}-${process.pid}.log`);
    let where = `details in ${log}`;
    try {
      fs.writeFileSync(log, `${e?.stack ?? String(e)}\n`, { mode: 0o600 });
    } catch {
      where = "the details could not be written";
    }
    const message = String(e?.message ?? e).split("\n", 1)[0];
    process.stderr.write(`mflab: internal error: ${message} — please report it; ${where}\n`);
    return 1;
  }
}

let failed = false;
const fail = (e) => {
  if (failed) return; // one report, then exit
  failed = true;
  process.exit(internalError(e));
};
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
// `mflab summary r.json | head -1`: the reader left; stop quietly.
process.stdout.on("error", (e) => (e && e.code === "EPIPE" ? process.exit(0) : fail(e)));

let cli;
try {
  cli = require("../dist/cli/main.js");
} catch (e) {
  if (e && e.code === "MODULE_NOT_FOUND" && /dist[\\/]cli[\\/]main\.js/.test(String(e.message))) {
    console.error("mflab: the library is not built yet. Run `npm run build` (or `npm run demo`, which builds first).");
    process.exit(1);
  }
  fail(e);
}
if (cli) cli.main(argv).then((code) => process.exit(code), fail);
