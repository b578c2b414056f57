// Bundles the live market page for the browser at start-up (Bun.build with
// target "browser", minified, NODE_ENV=production: what `bun build
// --target=browser --production` does), so nothing comes from a CDN and no
// build step has to run before `bun run engine`.

import { join } from "node:path";
import type { StaticFile } from "../server.ts";

const here = import.meta.dir;

/**
 * The page's files for FeedServer: `/` (HTML) and `/app.js` (the bundle). Throws with the
 * bundler's messages on failure.
 */
export async function buildPage(): Promise<Map<string, StaticFile>> {
  const result = await Bun.build({
    entrypoints: [join(here, "page.ts")],
    target: "browser",
    minify: true,
    sourcemap: "none",
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
  });
  if (!result.success) throw new Error(`market page bundle failed:\n${result.logs.map((l) => String(l)).join("\n")}`);
  const js = result.outputs.find((o) => o.kind === "entry-point");
  if (js === undefined) throw new Error("market page bundle produced no entry point");
  const html = await Bun.file(join(here, "index.html")).text();
  return new Map<string, StaticFile>([
    ["/", { body: html, contentType: "text/html; charset=utf-8" }],
    ["/index.html", { body: html, contentType: "text/html; charset=utf-8" }],
    ["/app.js", { body: new Uint8Array(await js.arrayBuffer()), contentType: "text/javascript; charset=utf-8" }],
  ]);
}
