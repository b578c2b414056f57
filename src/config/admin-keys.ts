// Admin keys: the operators' keys for /admin/v1 (docs/admin.md), in a file of
// their own, hashed like the API keys. A trading API key never works on the
// admin API and an admin key never logs in on the gateway: the two files are
// separate, and a hash found in both stops the start.
//
//   [[keys]]
//   sha256 = "64 hex digits"   # sha256 of the key, as hex
//   operator = "alice"         # who: every admin action is logged with it
//   role = "operate"           # operate: every action; read: book and sessions only

import { sha256Hex } from "./api-keys.ts";
import { readConfigFile } from "./parse-file.ts";
import type { ConfigProblem } from "./problems.ts";
import { type Infer, list, object, oneOf, string } from "./schema.ts";
import { validateFields } from "./validate.ts";

export const adminRoles = ["operate", "read"] as const;
export type AdminRole = (typeof adminRoles)[number];

export interface AdminKeyEntry {
  /** Hex SHA-256 of the admin key. */
  sha256: string;
  operator: string;
  role: AdminRole;
}

export const adminKeysSchema = object("An admin keys file.", {
  keys: list(
    object("One admin key.", {
      sha256: string({
        default: "",
        lengthMin: 64,
        lengthMax: 64,
        pattern: { regex: /^[0-9a-f]{64}$/, text: "lower-case hex" },
        doc: "SHA-256 of the key, hex.",
      }),
      operator: string({
        default: "",
        lengthMin: 1,
        lengthMax: 64,
        pattern: { regex: /^[\x21-\x7e]+$/, text: "printable ASCII without spaces" },
        doc: "Who holds the key; every admin action is logged with it.",
      }),
      role: oneOf(adminRoles, {
        default: "read",
        doc: "operate: every action; read: the book and the session list only.",
      }),
    }),
    { doc: "The keys.", itemsMin: 1, itemsMax: 1024, default: [] },
  ),
});

type AdminKeysFile = Infer<typeof adminKeysSchema>;

/** The development admin key of a configuration without admin.keysFile: `dev-admin`, role operate. */
export const devAdminKey = "dev-admin";

export function devAdminKeys(): AdminKeyEntry[] {
  return [{ sha256: sha256Hex(devAdminKey), operator: "dev-admin", role: "operate" }];
}

/** The keys of an admin keys file, or its problems (all of them). */
export function loadAdminKeysFile(path: string): { keys: AdminKeyEntry[]; problems: ConfigProblem[] } {
  const source = `admin keys file ${path}`;
  const parsed = readConfigFile(path, source);
  if (!parsed.ok) return { keys: [], problems: [parsed.problem] };
  const problems: ConfigProblem[] = [];
  const file = validateFields(adminKeysSchema.fields, parsed.value, [], {
    full: false,
    problems,
    sourceOf: () => source,
  }) as AdminKeysFile;
  const keys = file.keys.map((k) => ({ sha256: k.sha256, operator: k.operator, role: k.role }));
  const seen = new Map<string, number>();
  keys.forEach((k, i) => {
    const at = seen.get(k.sha256);
    if (at !== undefined)
      problems.push({
        path: `keys[${i}].sha256`,
        expected: "a key used once",
        found: `the hash of keys[${at}] again`,
        source,
      });
    else seen.set(k.sha256, i);
  });
  return { keys, problems };
}
