#!/usr/bin/env node
/**
 * Writes experiments/spec.schema.json (for editors) from the spec declaration (`specJsonSchema()` of
 * src/experiment/spec.ts: the spec, the data section and every model's parameters), via the build in dist/.
 * Run after `npm run build` whenever a declaration changes; test/experiment/spec-schema.test.ts fails while the
 * file is stale.
 */
const fs = require("node:fs");
const path = require("node:path");
const { specJsonSchema } = require("../dist/experiment/spec");

const out = path.join(__dirname, "..", "experiments", "spec.schema.json");
fs.writeFileSync(out, `${JSON.stringify(specJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
