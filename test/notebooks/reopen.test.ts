/**
 * The committed notebooks carry their outputs; reopened in a real Jupyter Notebook server (trusted, as
 * `npm run notebook` does) in real headless Chromium, their plotly figures must draw — offline: no request may
 * leave the machine.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../src/plot/export";

const ROOT = path.resolve(__dirname, "../..");
const committed = fs
  .readdirSync(path.join(ROOT, "notebooks"))
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

function figureCount(file: string): number {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: { outputs?: { data?: Record<string, unknown> }[] }[] };
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => String((o.data?.["text/html"] as string[] | string | undefined) ?? "").includes("data-mflab-figure")).length;
}

describe("saved notebooks reopen with their figures, offline", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-reopen-"));
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(ROOT, ".jupyter", "share", "jupyter"),
    JUPYTER_DATA_DIR: path.join(dir, "data"),
    JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
    JUPYTER_CONFIG_DIR: path.join(dir, "config"),
  };
  let server: ReturnType<typeof spawn> | undefined;
  afterAll(() => server?.kill("SIGKILL"));
  /** Shut down the kernels the page started (they outlive a killed server), then the server itself. */
  const stopServer = async (pageUrl: string): Promise<void> => {
    const u = new URL(pageUrl);
    const api = (p: string) => `${u.origin}${p}?token=${u.searchParams.get("token")}`;
    try {
      const kernels = (await (await fetch(api("/api/kernels"))).json()) as { id: string }[];
      for (const k of kernels) await fetch(api(`/api/kernels/${k.id}`), { method: "DELETE" });
    } catch {
      /* server already gone */
    }
    const exited = new Promise((resolve) => server!.once("exit", resolve));
    server!.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    server!.kill("SIGKILL");
  };

  for (const name of committed) {
    it(name, async () => {
      const source = path.join(ROOT, "notebooks", name);
      const expected = figureCount(source);
      expect(expected, `${name} must be committed with its outputs (figures)`).toBeGreaterThanOrEqual(name === "als-sweep.ipynb" ? 4 : 1);
      fs.copyFileSync(source, path.join(dir, name));
      const trust =
        "import sys, nbformat\nfrom nbformat.sign import NotebookNotary\nNotebookNotary().sign(nbformat.read(sys.argv[1], as_version=4))\n";
      const signed = spawnSync("/usr/bin/python3", ["-c", trust, path.join(dir, name)], { env, encoding: "utf8" });
      expect(signed.stderr).toBe("");
      expect(signed.status).toBe(0);
      const port = 18000 + Math.floor(Math.random() * 1000);
      server = spawn(
        "/usr/bin/python3",
        ["-m", "notebook", "--no-browser", `--notebook-dir=${dir}`, "--ip=127.0.0.1", `--port=${port}`, "--allow-root"],
        { env, stdio: ["ignore", "ignore", "pipe"] },
      );
      const url = await new Promise<string>((resolve, reject) => {
        let text = "";
        const timer = setTimeout(() => reject(new Error(`notebook server did not start:\n${text}`)), 30_000);
        server!.stderr!.on("data", (d) => {
          text += d;
          const m = /(http:\/\/127\.0\.0\.1:\d+\/)\?token=([0-9a-f]+)/.exec(text);
          if (m) {
            clearTimeout(timer);
            resolve(`${m[1]}notebooks/${name}?token=${m[2]}`);
          }
        });
      });
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const outside: string[] = [];
        await page.route("**/*", (route) => {
          const u = route.request().url();
          if (/^(https?:\/\/(127\.0\.0\.1|localhost)[:/]|data:|blob:|about:)/.test(u)) return route.continue();
          outside.push(u);
          return route.abort();
        });
        await page.goto(url);
        // A plotly plot has several .main-svg layers: count figures that have drawn at least one.
        await page.waitForFunction(
          (n) => Array.from(document.querySelectorAll(".mflab-figure")).filter((f) => f.querySelector(".main-svg")).length >= n,
          expected,
          { timeout: 60_000 },
        );
        const drawn = await page.evaluate(() => document.querySelectorAll(".mflab-figure .plot-container").length);
        expect(drawn).toBe(expected);
        expect(outside).toEqual([]);
      } finally {
        await browser.close();
        await stopServer(url);
      }
    }, 120_000);
  }
});
