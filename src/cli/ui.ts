/**
 * `mflab ui` — the local experiment browser (the server is ../ui/server.ts, the page web/):
 *
 *   mflab ui [folder…] [--port N] [--host H] [--open]
 *
 * Serves every results file under the folders (default `results/`) at http://127.0.0.1:8765/ until Ctrl-C.
 * `--host` listens on another address (e.g. 0.0.0.0) and then requires the token printed in the URL.
 * `--open` also opens the URL in the desktop's browser (xdg-open / open / start), when there is one.
 */
import { spawn } from "node:child_process";
import { startUiServer } from "../ui/server";
import { parseCommandArgs, UsageError } from "./args";

export const UI_USAGE = "mflab ui [folder…] [--port N] [--host 127.0.0.1] [--open]";

/**
 * Run the server until SIGINT/SIGTERM. Errors (a missing folder, a port in use) are thrown for main() to print.
 * @returns the exit code: 0 after Ctrl-C
 */
export async function uiCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    port: { type: "string", short: "p" },
    host: { type: "string" },
    open: { type: "boolean" },
  });
  const port = values.port === undefined ? 8765 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  const host = values.host as string | undefined;
  if (host !== undefined && host.trim() === "") throw new UsageError("--host needs an address, e.g. 127.0.0.1 or 0.0.0.0");
  const server = await startUiServer({ folders: positionals.length > 0 ? positionals : ["results"], port, host });
  const n = server.catalog.list().length;
  console.log(`mflab ui: serving ${n} results file${n === 1 ? "" : "s"} under ${server.catalog.roots.join(", ")} (read-only; live updates)`);
  if (server.token !== null) {
    const any = server.host === "0.0.0.0" || server.host === "::";
    console.log(
      `mflab ui: listening on ${server.host}; every request needs the token in this URL${any ? " (from another machine, use this machine's address instead of 127.0.0.1)" : ""}`,
    );
  }
  console.log(server.url);
  if (values.open === true) openInBrowser(server.url);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.removeListener("SIGINT", stop);
      process.removeListener("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await server.close();
  return 0;
}

function openInBrowser(url: string): void {
  const command = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  const child = spawn(command, [url], { stdio: "ignore", detached: true });
  child.on("error", () => console.error(`mflab ui: could not start ${command} to open the browser; open the URL above by hand`));
  child.unref();
}
