/**
 * One declaration per shape of JSON: a schema node built here gives, from one source,
 * - the TypeScript type (`Infer<typeof node>`),
 * - defaults and validation with messages that name the JSON path and say what was expected
 *   (`grid.lambda[2] must be ≥ 0, got -1`, `lambdaa is not a parameter of als (did you mean "lambda"?)`),
 * - accepted aliases (a reference library's name for the same field, stored under the canonical name),
 * - the JSON Schema (draft-07) that editors use (`toJsonSchema`), and
 * - the one-line docs that `mflab models` prints (`describeFields`).
 * Model configs, experiment specs, data specs and results files are all declared with it, so there is one place
 * that says what a valid value is.
 *
 * Validation (`parse`) walks the declaration in order and reports the first problem: for an object, its type,
 * then keys it does not know (and keys named like JavaScript's own `Object.prototype` members, such as
 * `__proto__` or `constructor`, which are refused everywhere), then each declared field in declaration order.
 * Values are never coerced: `"3"` is not a number. Outputs are fresh objects (defaults deep-copied), with
 * aliases renamed to the canonical field name.
 */
import { SpecError } from "./errors";
import { closest, describe, didYouMean } from "./suggest";

/** What every node may carry. */
interface NodeOptions {
  /** One line for docs and the JSON Schema `description`. */
  doc?: string;
  /** Replaces the generated "must be …" phrase for a wrong value (e.g. `a non-empty string (a path)`). */
  expected?: string;
  /** Said after "is required" when the field is missing (e.g. `(a path)`). */
  required?: string;
  /** Names that mean this field when it is an object property (stored under the canonical name). */
  aliases?: readonly string[];
  /** A performance-only option (threads): it never changes a number, so it is not part of a run's identity. */
  perf?: boolean;
  /**
   * Extra rule on a value of the right type: undefined when it holds, else the reason (about the value itself) or
   * `{ key, reason }` naming the field of an object it is about (e.g. `initHigh must be ≥ initLow`).
   */
  refine?: (value: never) => string | { key: string; reason: string } | undefined;
}

interface Base<T> extends NodeOptions {
  /** Phantom: the TypeScript type of a valid value (never set). */
  readonly __type?: T;
  /** A JSON value used when the field is absent (deep-copied into each output). */
  readonly default?: unknown;
  /** The field may be absent (no default). */
  readonly optional?: boolean;
}

export interface IntNode extends Base<number> {
  readonly kind: "int";
  readonly min?: number;
  readonly max?: number;
}
export interface NumberNode extends Base<number> {
  readonly kind: "number";
  /** NaN is a value here (a metric that could not be computed); JSON holds it as null, read back as NaN. */
  readonly nan?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
}
export interface BooleanNode extends Base<boolean> {
  readonly kind: "boolean";
}
export interface StringNode extends Base<string> {
  readonly kind: "string";
  readonly pattern?: RegExp;
  readonly minLength?: number;
}
export interface EnumNode<V extends string | number | boolean = string> extends Base<V> {
  readonly kind: "enum";
  readonly values: readonly V[];
  /** For long lists of names: a string not in the list reads `"alss" is not a known model (did you mean "als"?); known: …`. */
  readonly valueNoun?: string;
}
export interface NullableNode<T> extends Base<T | null> {
  readonly kind: "nullable";
  readonly inner: Node<T>;
}
export interface EitherNode<T> extends Base<T> {
  readonly kind: "either";
  readonly branches: readonly Node<unknown>[];
}
export interface ArrayNode<T> extends Base<T[]> {
  readonly kind: "array";
  readonly items: Node<T>;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly unique?: boolean;
  /** Said after "is an empty list" (e.g. `: a grid axis needs at least one value`). */
  readonly emptyHint?: string;
}
export interface ObjectNode<T> extends Base<T> {
  readonly kind: "object";
  readonly props: Readonly<Record<string, Node<unknown>>>;
  /** How an unknown key is named: `is not ${unknownKey}` (e.g. "a parameter of als", "a spec key"). */
  readonly unknownKey: string;
  /** Keys that are accepted and dropped (e.g. "$schema" in spec files). */
  readonly ignoredKeys?: readonly string[];
  /** A field given as null takes its default (data specs: `"seed": null` = the default seed). */
  readonly nullIsDefault?: boolean;
}
export interface RecordNode<T> extends Base<Record<string, T>> {
  readonly kind: "record";
  readonly values: Node<T>;
}
export interface TaggedNode<T> extends Base<T> {
  readonly kind: "tagged";
  readonly tag: string;
  readonly variants: Readonly<Record<string, ObjectNode<unknown>>>;
}
export interface AnyNode extends Base<unknown> {
  readonly kind: "any";
}

export type Node<T> =
  | (IntNode & Base<T>)
  | (NumberNode & Base<T>)
  | (BooleanNode & Base<T>)
  | (StringNode & Base<T>)
  | (EnumNode<string | number | boolean> & Base<T>)
  | (NullableNode<unknown> & Base<T>)
  | (EitherNode<unknown> & Base<T>)
  | (ArrayNode<unknown> & Base<T>)
  | (ObjectNode<unknown> & Base<T>)
  | (RecordNode<unknown> & Base<T>)
  | (TaggedNode<unknown> & Base<T>)
  | (AnyNode & Base<T>);

/** The TypeScript type of the values a node accepts (after defaults). */
export type Infer<S> = S extends { readonly __type?: infer T } ? T : never;

type Pretty<T> = { [K in keyof T]: T[K] } & {};
type OptionalKeys<P> = { [K in keyof P]: P[K] extends { readonly optional: true } ? K : never }[keyof P];
/** The output type of an object node with properties `P`: optional fields (no default) may be absent. */
export type ObjectOf<P> = Pretty<{ [K in Exclude<keyof P, OptionalKeys<P>>]: Infer<P[K]> } & { [K in OptionalKeys<P>]?: Infer<P[K]> }>;

type Opts<T> = NodeOptions & { default?: T };

// ---------------------------------------------------------------------------------------------------------
// Builders

/** An integer in [min, max]. */
export function int(o: Opts<number> & { min?: number; max?: number } = {}): IntNode {
  return { kind: "int", ...o };
}
/** A finite number; `exclusiveMin` / `exclusiveMax` make the bounds strict. */
export function number(
  o: Opts<number> & { min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean; nan?: boolean } = {},
): NumberNode {
  return { kind: "number", ...o };
}
export function boolean(o: Opts<boolean> = {}): BooleanNode {
  return { kind: "boolean", ...o };
}
export function string(o: Opts<string> & { pattern?: RegExp; minLength?: number } = {}): StringNode {
  return { kind: "string", ...o };
}
/** One of a fixed list of values (strings, or numbers and booleans). */
export function oneOf<const V extends string | number | boolean>(values: readonly V[], o: Opts<V> & { valueNoun?: string } = {}): EnumNode<V> {
  return { kind: "enum", values, ...o };
}
/** The inner value or null. */
export function nullable<T>(inner: Node<T>, o: Opts<T | null> = {}): NullableNode<T> {
  return { kind: "nullable", inner, ...o };
}
/** A value of any of the branches (the first branch whose JSON type matches the value decides). */
export function either<const B extends readonly Node<unknown>[]>(branches: B, o: Opts<Infer<B[number]>> = {}): EitherNode<Infer<B[number]>> {
  return { kind: "either", branches, ...o };
}
export function array<T>(
  items: Node<T>,
  o: Opts<T[]> & { minItems?: number; maxItems?: number; unique?: boolean; emptyHint?: string } = {},
): ArrayNode<T> {
  return { kind: "array", items, ...o };
}
/** An object with known fields (declaration order = check order = the order of "known: …" lists). */
export function object<const P extends Record<string, Node<unknown>>>(
  props: P,
  o: NodeOptions & { unknownKey: string; ignoredKeys?: readonly string[]; nullIsDefault?: boolean; default?: unknown },
): ObjectNode<ObjectOf<P>> {
  return { kind: "object", props, ...o };
}
/** An object whose keys are free (e.g. a grid: parameter → values), all values of one shape. */
export function record<T>(values: Node<T>, o: Opts<Record<string, T>> = {}): RecordNode<T> {
  return { kind: "record", values, ...o };
}
/** One of several object shapes, chosen by the string field `tag` (e.g. a data spec's `kind`). */
export function tagged<const V extends Record<string, ObjectNode<unknown>>>(
  tag: string,
  variants: V,
  o: NodeOptions = {},
): TaggedNode<{ [K in keyof V]: Infer<V[K]> }[keyof V]> {
  return { kind: "tagged", tag, variants, ...o };
}
/** Any JSON value (not checked). */
export function any(o: NodeOptions = {}): AnyNode {
  return { kind: "any", ...o };
}
/** The same node, allowed to be absent from its object (no default). */
export function optional<N extends Node<unknown>>(node: N): N & { readonly optional: true } {
  return { ...node, optional: true as const };
}

// ---------------------------------------------------------------------------------------------------------
// Validation

/** Where a value sits, for messages: the JSON path so far and the file (or "als config") it came from. */
export interface ParseContext {
  /** JSON path of the value (`""` for the root). */
  path?: string;
  /** Prefix of every message (a file, or e.g. "als config"). */
  file?: string;
}

/**
 * Check `value` against `node`, fill defaults, rename aliases; return a fresh value of the node's type.
 * @throws SpecError naming the JSON path of the first problem and what was expected
 */
export function parse<N extends Node<unknown>>(node: N, value: unknown, ctx: ParseContext = {}): Infer<N> {
  return check(node as Node<unknown>, value, ctx.path ?? "", ctx.file) as Infer<N>;
}

/** The names JavaScript objects inherit (`constructor`, `toString`, `__proto__`, …): never accepted as keys. */
export function isPrototypeKey(key: string): boolean {
  return key === "__proto__" || key in Object.prototype;
}

const join = (path: string, key: string | number): string => (typeof key === "number" ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`);

function fail(path: string, reason: string, file: string | undefined): never {
  throw new SpecError(path, reason, file);
}

/** The phrase after "must be" for a wrong value of `node`. */
export function expectedOf(node: Node<unknown>): string {
  if (node.expected) return node.expected;
  switch (node.kind) {
    case "int":
      return node.min !== undefined && node.max !== undefined
        ? `an integer from ${node.min} to ${node.max}`
        : node.min !== undefined
          ? node.min === 0
            ? "a non-negative integer"
            : node.min === 1
              ? "a positive integer"
              : `an integer ≥ ${node.min}`
          : "an integer";
    case "number":
      return node.nan ? "a number (or null for NaN)" : "a finite number";
    case "boolean":
      return "true or false";
    case "string":
      return node.minLength ? "a non-empty string" : "a string";
    case "enum":
      return `one of ${node.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "nullable":
      return `${expectedOf(node.inner)} or null`;
    case "either":
      return node.branches.map(expectedOf).join(", or ");
    case "array":
      return "a list";
    case "object":
    case "record":
    case "tagged":
      return "an object";
    case "any":
      return "a JSON value";
  }
}

function check(node: Node<unknown>, v: unknown, path: string, file: string | undefined): unknown {
  const wrong = (): never => fail(path, `must be ${expectedOf(node)}, got ${describe(v)}`, file);
  let out: unknown;
  switch (node.kind) {
    case "any":
      out = v; // not copied: any depth is allowed here, and JSON values are not shared
      break;
    case "int":
    case "number": {
      if (node.kind === "number" && node.nan === true && (v === null || Number.isNaN(v))) {
        out = NaN;
        break;
      }
      if (typeof v !== "number" || !Number.isFinite(v)) return wrong();
      if (node.kind === "int" && !Number.isInteger(v)) fail(path, `must be an integer, got ${v}`, file);
      const exMin = node.kind === "number" && node.exclusiveMin === true;
      const exMax = node.kind === "number" && node.exclusiveMax === true;
      if (node.kind === "number" && exMin && exMax && node.min !== undefined && node.max !== undefined && !(v > node.min && v < node.max)) {
        fail(path, `must be a number between ${node.min} and ${node.max} (exclusive), got ${v}`, file);
      }
      if (node.min !== undefined && !(exMin ? v > node.min : v >= node.min)) fail(path, `must be ${exMin ? ">" : "≥"} ${node.min}, got ${v}`, file);
      if (node.max !== undefined && !(exMax ? v < node.max : v <= node.max)) fail(path, `must be ${exMax ? "<" : "≤"} ${node.max}, got ${v}`, file);
      out = v;
      break;
    }
    case "boolean":
      if (typeof v !== "boolean") return wrong();
      out = v;
      break;
    case "string":
      if (typeof v !== "string" || v.length < (node.minLength ?? 0) || (node.pattern && !node.pattern.test(v))) return wrong();
      out = v;
      break;
    case "enum":
      if (!(node.values as readonly unknown[]).includes(v)) {
        const names = node.values.filter((x): x is string => typeof x === "string");
        if (node.valueNoun && typeof v === "string") {
          fail(path, `"${v}" is not a known ${node.valueNoun}${didYouMean(v, names)}; known: ${names.join(", ")}`, file);
        }
        fail(path, `must be ${expectedOf(node)}${didYouMean(v, names)}, got ${describe(v)}`, file);
      }
      out = v;
      break;
    case "nullable":
      out = v === null ? null : checkNullable(node, v, path, file);
      break;
    case "either": {
      const branch = node.branches.find((b) => sameJsonType(b, v));
      if (!branch) return wrong();
      // A value of an enum branch's type that is not in the enum: name every accepted form.
      if (branch.kind === "enum" && !(branch.values as readonly unknown[]).includes(v)) return wrong();
      out = check(branch, v, path, file);
      break;
    }
    case "array": {
      if (!Array.isArray(v)) return wrong();
      if (v.length === 0 && (node.minItems ?? 0) > 0) fail(path, `is an empty list${node.emptyHint ?? ""}`, file);
      if (node.minItems !== undefined && v.length < node.minItems) fail(path, `must have at least ${node.minItems} items, got ${v.length}`, file);
      if (node.maxItems !== undefined && v.length > node.maxItems) fail(path, `must have at most ${node.maxItems} items, got ${v.length}`, file);
      const items = v.map((x, k) => check(node.items, x, join(path, k), file));
      if (node.unique) {
        const seen = new Set<string>();
        for (const x of items) {
          const key = JSON.stringify(x);
          if (seen.has(key)) fail(path, `lists ${key} twice`, file);
          seen.add(key);
        }
      }
      out = items;
      break;
    }
    case "record": {
      if (!isPlainObject(v)) return wrong();
      const o: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        if (isPrototypeKey(key)) fail(join(path, key), prototypeKeyReason, file);
        define(o, key, check(node.values, v[key], join(path, key), file));
      }
      out = o;
      break;
    }
    case "object":
      if (!isPlainObject(v)) return wrong();
      out = checkObject(node, v, path, file);
      break;
    case "tagged": {
      if (!isPlainObject(v)) return wrong();
      const tags = Object.keys(node.variants);
      const tagPath = join(path, node.tag);
      const t = v[node.tag];
      if (t === undefined) fail(tagPath, `is required (one of ${tags.map((x) => JSON.stringify(x)).join(", ")})`, file);
      if (typeof t !== "string" || !Object.hasOwn(node.variants, t)) {
        fail(tagPath, `must be one of ${tags.map((x) => JSON.stringify(x)).join(", ")}${didYouMean(t, tags)}, got ${describe(t)}`, file);
      }
      out = checkObject(node.variants[t], v, path, file);
      break;
    }
  }
  if (node.refine) {
    const r = (node.refine as (x: unknown) => string | { key: string; reason: string } | undefined)(out);
    if (typeof r === "string") fail(path, r, file);
    if (r !== undefined) fail(join(path, r.key), r.reason, file);
  }
  return out;
}

function checkNullable(node: NullableNode<unknown>, v: unknown, path: string, file: string | undefined): unknown {
  if (!sameJsonType(node.inner, v)) fail(path, `must be ${expectedOf(node)}, got ${describe(v)}`, file);
  return check(node.inner, v, path, file);
}

const prototypeKeyReason = "is not allowed as a key (it names a member every JavaScript object inherits)";

function checkObject(node: ObjectNode<unknown>, v: Record<string, unknown>, path: string, file: string | undefined): Record<string, unknown> {
  const canonical = new Map<string, string>();
  for (const [name, p] of Object.entries(node.props)) {
    canonical.set(name, name);
    for (const a of p.aliases ?? []) canonical.set(a, name);
  }
  const given = new Map<string, string>(); // canonical name → key as written
  for (const key of Object.keys(v)) {
    if (isPrototypeKey(key)) fail(join(path, key), prototypeKeyReason, file);
    if (node.ignoredKeys?.includes(key)) continue;
    const name = canonical.get(key);
    if (name === undefined) {
      const known = Object.keys(node.props);
      // Suggest a field by its own name first; a typo of an alias suggests the field the alias stands for.
      let hint = didYouMean(key, known);
      if (hint === "") {
        const alias = closest(
          key,
          [...canonical.keys()].filter((k) => !known.includes(k)),
        );
        if (alias !== undefined) hint = ` (did you mean "${canonical.get(alias)}"?)`;
      }
      fail(join(path, key), `is not ${node.unknownKey}${hint}${known.length > 0 ? `; known: ${known.join(", ")}` : ""}`, file);
    }
    const earlier = given.get(name);
    if (earlier !== undefined) {
      const what =
        key === name
          ? `${earlier} is another name for ${name}`
          : earlier === name
            ? `${key} is another name for ${name}`
            : `${earlier} and ${key} both mean ${name}`;
      fail(join(path, key), `repeats a field: ${what}; give it once`, file);
    }
    given.set(name, key);
  }
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(node.props)) {
    const key = given.get(name);
    const fieldPath = join(path, key ?? name);
    const absent = key === undefined || v[key] === undefined || (v[key] === null && node.nullIsDefault === true && p.default !== undefined);
    if (absent) {
      // A default goes through its own node, so an object default such as {} gets its fields' defaults.
      if (p.default !== undefined) define(out, name, check(p, structuredClone(p.default), fieldPath, file));
      else if (!p.optional) fail(fieldPath, `is required${p.required ? ` ${p.required}` : ""}`, file);
      continue;
    }
    define(out, name, check(p, v[key], fieldPath, file));
  }
  return out;
}

function define(o: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Whether `v` has the JSON type `node` accepts (so a branch or a nullable's inner node should check it). */
function sameJsonType(node: Node<unknown>, v: unknown): boolean {
  switch (node.kind) {
    case "int":
    case "number":
      return typeof v === "number" || (node.kind === "number" && node.nan === true && v === null);
    case "boolean":
      return typeof v === "boolean";
    case "string":
      return typeof v === "string";
    case "enum":
      return (node.values as readonly unknown[]).some((x) => typeof x === typeof v);
    case "nullable":
      return v === null || sameJsonType(node.inner, v);
    case "either":
      return node.branches.some((b) => sameJsonType(b, v));
    case "array":
      return Array.isArray(v);
    case "object":
    case "record":
    case "tagged":
      return isPlainObject(v);
    case "any":
      return true;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Aliases and identity

/** `{ alias → canonical }` over the fields of an object node. */
export function aliasMap(node: ObjectNode<unknown>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [name, p] of Object.entries(node.props)) for (const a of p.aliases ?? []) m.set(a, name);
  return m;
}

/** A copy of `value` with aliased keys renamed to the canonical field names (no other checks; unknown keys kept). */
export function canonicalKeys(node: ObjectNode<unknown>, value: Record<string, unknown>): Record<string, unknown> {
  const aliases = aliasMap(node);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(value)) define(out, aliases.get(k) ?? k, x);
  return out;
}

/** Fields flagged `perf` (they never change a number): left out of run ids and derived seeds. */
export function perfFields(node: ObjectNode<unknown>): string[] {
  return Object.entries(node.props)
    .filter(([, p]) => p.perf === true)
    .map(([k]) => k);
}

// ---------------------------------------------------------------------------------------------------------
// JSON Schema and docs

/** A JSON Schema (draft-07) node. */
export type JsonSchema = { [keyword: string]: unknown };

/** The JSON Schema of a node (for editors; `parse` is the validator mflab uses). */
export function toJsonSchema(node: Node<unknown>): JsonSchema {
  const s: JsonSchema = {};
  switch (node.kind) {
    case "int":
    case "number":
      s.type = node.kind === "int" ? "integer" : node.nan ? ["number", "null"] : "number";
      if (node.min !== undefined) s[node.kind === "number" && node.exclusiveMin ? "exclusiveMinimum" : "minimum"] = node.min;
      if (node.max !== undefined) s[node.kind === "number" && node.exclusiveMax ? "exclusiveMaximum" : "maximum"] = node.max;
      break;
    case "boolean":
      s.type = "boolean";
      break;
    case "string":
      s.type = "string";
      if (node.minLength) s.minLength = node.minLength;
      if (node.pattern) s.pattern = node.pattern.source;
      break;
    case "enum":
      s.enum = [...node.values];
      break;
    case "nullable": {
      const inner = toJsonSchema(node.inner);
      if (typeof inner.type === "string") Object.assign(s, inner, { type: [inner.type, "null"] });
      else if (Array.isArray(inner.enum)) Object.assign(s, inner, { enum: [...inner.enum, null] });
      else s.anyOf = [inner, { type: "null" }];
      break;
    }
    case "either":
      s.anyOf = node.branches.map(toJsonSchema);
      break;
    case "array":
      s.type = "array";
      s.items = toJsonSchema(node.items);
      if (node.minItems !== undefined) s.minItems = node.minItems;
      if (node.maxItems !== undefined) s.maxItems = node.maxItems;
      if (node.unique) s.uniqueItems = true;
      break;
    case "record":
      s.type = "object";
      s.additionalProperties = toJsonSchema(node.values);
      break;
    case "object":
      Object.assign(s, objectSchema(node));
      break;
    case "tagged":
      s.type = "object";
      s.required = [node.tag];
      s.properties = { [node.tag]: { enum: Object.keys(node.variants) } };
      s.allOf = Object.entries(node.variants).map(([tag, v]) => ({
        if: { required: [node.tag], properties: { [node.tag]: { const: tag } } },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
        then: objectSchema(v),
      }));
      break;
    case "any":
      break;
  }
  if (node.doc) s.description = node.doc;
  if (node.default !== undefined) s.default = node.default;
  return s;
}

function objectSchema(node: ObjectNode<unknown>): JsonSchema {
  const properties: JsonSchema = {};
  const required: string[] = [];
  for (const [name, p] of Object.entries(node.props)) {
    properties[name] = toJsonSchema(p);
    if (p.default === undefined && !p.optional) required.push(name);
    for (const a of p.aliases ?? []) properties[a] = { ...toJsonSchema(p), description: `alias of "${name}"` };
  }
  for (const k of node.ignoredKeys ?? []) properties[k] = {};
  return { type: "object", properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}

/** One documented field of an object node (for `mflab models` and the README's tables). */
export interface FieldDoc {
  name: string;
  /** `int ≥ 1`, `number in [0, 1]`, `"cholesky" | "cg"`, `boolean`, … */
  type: string;
  /** The default as JSON, or "" for none. */
  default: string;
  doc: string;
  aliases: readonly string[];
  perf: boolean;
}

/** The fields of an object node, documented. */
export function describeFields(node: ObjectNode<unknown>): FieldDoc[] {
  return Object.entries(node.props).map(([name, p]) => ({
    name,
    type: typeOf(p),
    default: p.default === undefined ? "" : JSON.stringify(p.default),
    doc: p.doc ?? "",
    aliases: p.aliases ?? [],
    perf: p.perf === true,
  }));
}

function typeOf(node: Node<unknown>): string {
  switch (node.kind) {
    case "int":
    case "number": {
      const base = node.kind === "int" ? "int" : "number";
      const exMin = node.kind === "number" && node.exclusiveMin === true;
      const exMax = node.kind === "number" && node.exclusiveMax === true;
      if (node.min !== undefined && node.max !== undefined) return `${base} in ${exMin ? "(" : "["}${node.min}, ${node.max}${exMax ? ")" : "]"}`;
      if (node.min !== undefined) return `${base} ${exMin ? ">" : "≥"} ${node.min}`;
      if (node.max !== undefined) return `${base} ${exMax ? "<" : "≤"} ${node.max}`;
      return base;
    }
    case "enum":
      return node.values.map((v) => JSON.stringify(v)).join(" | ");
    case "nullable":
      return `${typeOf(node.inner)} | null`;
    case "either":
      return node.branches.map(typeOf).join(" | ");
    case "array":
      return `${typeOf(node.items)}[]`;
    case "record":
      return `{[key]: ${typeOf(node.values)}}`;
    case "object":
    case "tagged":
      return "object";
    default:
      return node.kind;
  }
}
