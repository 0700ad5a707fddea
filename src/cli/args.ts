/**
 * Command-line argument parsing shared by every `mflab` command: node's `util.parseArgs` in strict mode, with
 * its complaints (an unknown option, a missing value) turned into {@link UsageError}s. Commands throw
 * UsageError for their own usage mistakes too; the command's entry point prints it and exits 2.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in how a command was called (not in its input files): exit code 2. */
export class UsageError extends Error {}

/** Option declarations as `util.parseArgs` takes them (`{ out: { type: "string", short: "o" } }`). */
export type OptionTypes = NonNullable<ParseArgsConfig["options"]>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parse `args` against `options` (strict; positionals allowed).
 * @throws UsageError with parseArgs's message for an unknown option or a missing value
 */
export function parseCommandArgs(args: readonly string[], options: OptionTypes): ParsedArgs {
  try {
    const r = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: r.values as ParsedArgs["values"], positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
