#!/usr/bin/env node

let cli;
try {
  cli = require("../dist/cli/main.js");
} catch (e) {
  if (e && e.code === "MODULE_NOT_FOUND" && /dist[\\/]cli[\\/]main\.js/.test(String(e.message))) {
    console.error("mflab: the library is not built yet. Run `npm run build` (or `npm run demo`, which builds first).");
    process.exit(1);
  }
  throw e;
}
cli.main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e?.stack ? e.stack : e);
    process.exit(1);
  },
);
