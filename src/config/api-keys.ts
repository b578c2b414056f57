// API keys: only their SHA-256 is stored, in a file of its own (JSON or TOML)
// that the configuration names, so the configuration itself holds no secret
// and can be printed, reviewed and versioned. The file:
//
//   [[keys]]
//   sha256 = "64 hex digits"   # sha256 of the key, as hex
//   user = 1                   # the user the key logs in as
//   label = "desk 1"           # for people and logs; never the key
//
// or in JSON: { "keys": [ { "sha256": "…", "user": 1, "label": "desk 1" } ] }.

import type { ConfigProblem } from "./problems.ts";
import { readConfigFile } from "./parse-file.ts";
import { type Infer, int, list, object, string } from "./schema.ts";
import { validateFields } from "./validate.ts";

/** The gateway's key entry (src/gateway/config.ts ApiKeyEntry has the same shape). */
export interface ApiKeyEntry {
  /** Hex SHA-256 of the API key: keys are never stored in clear. */
  sha256: string;
  user: number;
  label?: string;
}

export const apiKeysSchema = object("An API keys file.", {
  keys: list(
    object("One API key.", {
      sha256: string({
        default: "",
        lengthMin: 64,
        lengthMax: 64,
        pattern: { regex: /^[0-9a-f]{64}$/, text: "lower-case hex" },
        doc: "SHA-256 of the key, hex.",
      }),
      user: int({
        default: 0,
        min: 0,
        max: Number.MAX_SAFE_INTEGER,
        doc: "User the key logs in as; one key per user (one session per user).",
      }),
      label: string({
        default: "",
        optional: true,
        lengthMax: 64,
        doc: "A name for people and logs; never the key itself.",
      }),
    }),
    { doc: "The keys.", itemsMin: 1, itemsMax: 1 << 20, default: [] },
  ),
});

export type ApiKeysFile = Infer<typeof apiKeysSchema>;

export function sha256Hex(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}

/** Development keys: dev-key-N for users 1..8 and loadtest-N for users 1001..1064 (README, Configuration). */
export function devApiKeys(): ApiKeyEntry[] {
  const keys: ApiKeyEntry[] = [];
  for (let n = 1; n <= 8; n++) keys.push({ sha256: sha256Hex(`dev-key-${n}`), user: n, label: `dev-key-${n}` });
  for (let n = 1; n <= 64; n++)
    keys.push({ sha256: sha256Hex(`loadtest-${n}`), user: 1000 + n, label: `loadtest-${n}` });
  return keys;
}

/** The keys of a keys file, or its problems (all of them). */
export function loadApiKeysFile(path: string): { keys: ApiKeyEntry[]; problems: ConfigProblem[] } {
  const source = `keys file ${path}`;
  const parsed = readConfigFile(path, source);
  if (!parsed.ok) return { keys: [], problems: [parsed.problem] };
  const problems: ConfigProblem[] = [];
  const file = validateFields(apiKeysSchema.fields, parsed.value, [], {
    full: false,
    problems,
    sourceOf: () => source,
  }) as ApiKeysFile;
  const keys = file.keys.map((k) => ({ sha256: k.sha256, user: k.user, label: k.label }));
  problems.push(...apiKeysProblems(keys, source));
  return { keys, problems };
}

/** Rules between keys: one key per user, and no key twice. */
export function apiKeysProblems(keys: readonly ApiKeyEntry[], source: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const users = new Map<number, number>();
  const hashes = new Map<string, number>();
  keys.forEach((k, i) => {
    const userAt = users.get(k.user);
    if (userAt !== undefined) {
      problems.push({
        path: `keys[${i}].user`,
        expected: "one key per user (one session per user)",
        found: `user ${k.user} again (first at keys[${userAt}])`,
        source,
      });
    } else users.set(k.user, i);
    const hashAt = hashes.get(k.sha256);
    if (hashAt !== undefined)
      problems.push({
        path: `keys[${i}].sha256`,
        expected: "a key used once",
        found: `the hash of keys[${hashAt}] again`,
        source,
      });
    else hashes.set(k.sha256, i);
  });
  return problems;
}
