#!/usr/bin/env node
/**
 * Writes experiments/spec.schema.json from SPEC_SCHEMA (src/experiment/spec-schema.ts), via the build in dist/.
 * Run after `npx tsc -p .` whenever the schema (or the model registry) changes; test/experiment/spec-schema.test.ts
 * fails while the file is stale.
 */
const fs = require("node:fs");
const path = require("node:path");
const { SPEC_SCHEMA } = require("../dist/experiment/spec-schema");

const out = path.join(__dirname, "..", "experiments", "spec.schema.json");
fs.writeFileSync(out, JSON.stringify(SPEC_SCHEMA, null, 2) + "\n");
console.log(`wrote ${path.relative(process.cwd(), out)}`);
