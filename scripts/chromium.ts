// Debian's chromium for the browser test of the live market page (playwright-core
// drives it; Playwright's own browser download does not work on these machines).
// Installed with apt-get when missing and root, like the other services.

import { existsSync } from "node:fs";

export const chromiumPath = "/usr/bin/chromium";
const packages = ["chromium", "chromium-driver", "fonts-dejavu-core"];
const aptLockTimeoutS = 300;

async function aptGet(args: string[]): Promise<number> {
  const p = Bun.spawn(["apt-get", "-o", `DPkg::Lock::Timeout=${aptLockTimeoutS}`, ...args], {
    stdout: "inherit",
    stderr: "inherit",
    stdin: "ignore",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return await p.exited;
}

/** The chromium binary, installed first when missing (root only). */
export async function ensureChromiumInstalled(): Promise<string> {
  if (existsSync(chromiumPath)) return chromiumPath;
  if (process.getuid?.() !== 0)
    throw new Error(
      `chromium is not installed and this is not root: run \`sudo apt-get install -y ${packages.join(" ")}\``,
    );
  console.error(`services: chromium missing, installing ${packages.join(", ")} with apt-get`);
  const install = ["install", "-y", "--no-install-recommends", ...packages];
  if ((await aptGet(install)) !== 0) {
    // A fresh machine often has no package lists yet, or stale ones.
    await aptGet(["update"]);
    const code = await aptGet(install);
    if (code !== 0) throw new Error(`apt-get install chromium failed with exit code ${code}`);
  }
  if (!existsSync(chromiumPath)) throw new Error(`apt-get installed chromium but ${chromiumPath} is missing`);
  return chromiumPath;
}
