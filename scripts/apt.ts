// Installs Debian packages with apt-get when running as root, the way CI and a
// fresh machine need it (no prompts, no progress on stdout, waits for a busy
// dpkg lock, refreshes stale package lists once).

/** apt may wait this long for another apt/dpkg to release its lock (a parallel test run, unattended upgrades). */
const aptLockTimeoutS = 300;

async function aptGet(args: string[]): Promise<number> {
  const child = Bun.spawn(["apt-get", "-o", `DPkg::Lock::Timeout=${aptLockTimeoutS}`, ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    stdin: "ignore",
    // apt's progress would mix into test output; errors still go to stderr.
    stdout: "ignore",
    stderr: "inherit",
  });
  return await child.exited;
}

/**
 * `apt-get install` of `packages`; on failure refreshes the package lists (a
 * fresh machine often has none, or stale ones) and tries once more. Throws with
 * the command to run by hand when this process is not root.
 */
export async function aptInstall(packages: readonly string[], why: string): Promise<void> {
  if (packages.length === 0) throw new Error("aptInstall needs at least one package");
  const list = packages.join(" ");
  if (process.getuid?.() !== 0) {
    throw new Error(`${why}, and this is not root: run \`sudo apt-get install -y ${list}\``);
  }
  console.error(`apt: ${why}, installing ${list}`);
  const install = ["install", "-y", "--no-install-recommends", ...packages];
  if ((await aptGet(install)) === 0) return;
  await aptGet(["update"]);
  const code = await aptGet(install);
  if (code !== 0) throw new Error(`apt-get install ${list} failed with exit code ${code}`);
}
