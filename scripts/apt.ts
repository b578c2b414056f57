// Installs a Debian package with apt-get when the caller is root: what the
// project's scripts do on a fresh machine for a missing tool (java, mvn).

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
 * `apt-get install -y --no-install-recommends <packages>`, refreshing the
 * package lists once if the first attempt fails (a fresh machine often has none).
 * Throws with `hint` when this is not root or the install fails.
 */
export async function aptInstall(packages: string[], hint: string): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error(`${hint} (not root, so apt-get cannot install ${packages.join(" ")})`);
  console.error(`apt: installing ${packages.join(" ")}`);
  const install = ["install", "-y", "--no-install-recommends", ...packages];
  if ((await aptGet(install)) === 0) return;
  await aptGet(["update"]);
  const code = await aptGet(install);
  if (code !== 0) throw new Error(`apt-get install ${packages.join(" ")} failed with exit code ${code}: ${hint}`);
}
