// Test support: runs a script with this Bun, as the bench smoke tests run their benchmarks, and prints its output
// when it fails (a smoke test's assertion then says which exit code, the output says why).

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns `bun <argv...>` (no stdin) and waits for its exit; stdout and stderr are collected. */
export async function runScript(argv: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const p = Bun.spawn([process.execPath, ...argv], {
    cwd: options.cwd,
    env: options.env === undefined ? process.env : { ...process.env, ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    p.exited,
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
  ]);
  if (code !== 0) console.error(stdout, stderr);
  return { code, stdout, stderr } satisfies ScriptResult;
}
