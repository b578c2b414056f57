// Writes the configuration reference (docs/configuration.md) from the schema,
// so the documentation cannot drift from what the loader accepts.
// `bun scripts/gen-config-doc.ts` regenerates it; reference.test.ts fails when
// the committed file differs.

import { stringify as tomlStringify } from "smol-toml";
import { adminKeysSchema, devAdminKey } from "./admin-keys.ts";
import { apiKeysSchema } from "./api-keys.ts";
import { envMetaVariables, envNameOf } from "./env.ts";
import { exchangeSchema } from "./exchange-schema.ts";
import { type Field, type Fields, type ListField, type ScalarField, defaultOf, leaves } from "./schema.ts";
import { expectedOf } from "./validate.ts";

const intro = `# Configuration reference

Generated from \`src/config/exchange-schema.ts\` by \`bun scripts/gen-config-doc.ts\`;
a test fails when this file and the schema disagree. Do not edit by hand.

## How the configuration is read

1. **Defaults** (below) suit a newcomer's embedded run. Some differ in
   \`mode = "full"\` (column "default": embedded / full).
2. **A file**, JSON (\`.json\`) or TOML (\`.toml\`), given by \`--config FILE\`
   (or \`--config=FILE\`), else by the environment variable \`EXCHANGE_CONFIG\`.
   Any key may be left out; a table replaces nothing but the keys it names,
   a list (\`symbols\`, \`kafka.brokers\`) replaces the default list whole.
3. **Environment variables** override the file. The rule: \`EXCHANGE_\` and the
   key path in upper snake case, path parts joined by \`_\`:
   \`tcp.port\` → \`EXCHANGE_TCP_PORT\`, \`snapshots.redis.keyPrefix\` →
   \`EXCHANGE_SNAPSHOTS_REDIS_KEY_PREFIX\`. Lists of plain values are
   comma-separated (\`EXCHANGE_KAFKA_BROKERS=a:9092,b:9092\`); \`symbols\` is
   file-only. Booleans are \`true\`/\`false\`/\`1\`/\`0\`/\`on\`/\`off\`. A few older names are
   still accepted (listed as aliases). Any other \`EXCHANGE_\` variable is an
   error (a misspelt override is never ignored silently); \`${envMetaVariables.join("`, `")}\` is the only
   variable that is not a key.
4. **API keys** come from the file named by \`apiKeysFile\`, and admin keys from
   the file named by \`admin.keysFile\` (both below), never from the
   configuration itself.

Everything is checked at start: types, ranges, unknown keys (with the nearest
known key as a hint) and the rules between keys. Every problem is listed, each
with its key, what it expects, what was found and where it came from, e.g.

\`\`\`
configuration: 2 problems
  tcp.prot: expected a key of tcp, found an unknown key (file /etc/exchange.toml); did you mean tcp.port?
  limits.idleTimeoutMs: expected an integer in [10, 3600000], found the string "10s" (file /etc/exchange.toml)
\`\`\`

and the process exits with code 2. On a good start the effective configuration
is printed, one key per line with its source; API key hashes are never printed.
\`bun src/config/main.ts check [--config FILE]\` does the same checks without
starting the exchange.
`;

export function configurationReference(): string {
  const parts = [intro, "## Keys\n"];
  parts.push(sectionTable(exchangeSchema.fields, [], "Top-level keys"));
  for (const [key, field] of Object.entries(exchangeSchema.fields)) {
    if (field.kind === "object") parts.push(sectionTable(field.fields, [key], `\`${key}\`: ${field.doc}`));
    if (field.kind === "list" && field.item.kind === "object") parts.push(itemTable(field, key));
  }
  parts.push(apiKeysSection(), adminKeysSection(), exampleSection());
  return `${parts.join("\n").trimEnd()}\n`;
}

function sectionTable(fields: Fields, prefix: string[], title: string): string {
  const rows: string[] = [];
  for (const { path, field } of leaves(fields, prefix)) {
    const nested = path.length > prefix.length + 1 && prefix.length === 0;
    const isItemList = field.kind === "list" && field.item.kind === "object";
    // Top level shows only its own scalars; each table gets its own section, and lists of tables theirs.
    if (nested || (prefix.length === 0 && isItemList)) continue;
    rows.push(row(path, field));
  }
  if (rows.length === 0) return "";
  return [
    `### ${title}\n`,
    "| key | takes | default | environment | what it does |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

function itemTable(field: ListField, key: string): string {
  const item = field.item as Extract<Field, { kind: "object" }>;
  const rows = Object.entries(item.fields).map(([name, f]) => {
    const leaf = f as ScalarField;
    const need = leaf.optional === true ? `\`${JSON.stringify(leaf.default)}\`` : "required";
    return `| \`${key}[].${name}\` | ${cell(expectedOf(leaf))} | ${need} | file only | ${cell(leaf.doc)} |`;
  });
  const defaults = (field.default as { name?: string }[]).map((s) => s.name).join(", ");
  return [
    `### \`${key}\`: ${field.doc}\n`,
    `${cell(expectedOf(field))}; file only. Default: ${defaults}.\n`,
    "| key | takes | default | environment | what it does |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

function row(path: string[], field: ScalarField | ListField): string {
  const env = [envNameOf(path), ...(field.envAliases ?? []).map((a) => `${a} (alias)`)]
    .map((n) => `\`${n}\``)
    .join("<br>");
  return `| \`${path.join(".")}\` | ${cell(expectedOf(field))} | ${defaultText(field)} | ${env} | ${cell(field.doc)} |`;
}

function defaultText(field: ScalarField | ListField): string {
  const embedded = `\`${JSON.stringify(defaultOf(field, false))}\``;
  if (field.fullDefault === undefined) return embedded;
  return `${embedded} / \`${JSON.stringify(defaultOf(field, true))}\``;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A keys file's section: what names it and why (`intro`), its fields, an example entry. */
function keysFileSection(
  title: string,
  intro: readonly string[],
  item: Extract<Field, { kind: "object" }>,
  example: readonly string[],
): string {
  const rows = Object.entries(item.fields).map(([name, f]) => {
    const leaf = f as ScalarField;
    const need = leaf.optional === true ? "optional" : "required";
    return `| \`keys[].${name}\` | ${cell(expectedOf(leaf))}, ${need} | ${cell(leaf.doc)} |`;
  });
  return [
    `## ${title}\n`,
    ...intro,
    "| key | takes | what it is |",
    "| --- | --- | --- |",
    ...rows,
    "",
    "```toml",
    "[[keys]]",
    ...example,
    "```",
    "",
  ].join("\n");
}

function apiKeysSection(): string {
  return keysFileSection(
    "API keys file",
    [
      "Named by `apiKeysFile` (relative paths are relative to the config file). JSON or TOML; only SHA-256",
      "hashes of keys are stored. Unknown keys, a bad hash, two keys for one user or one key twice stop the start.",
      "`bun src/config/main.ts keygen --user N [--label TEXT]` makes a random key and prints the entry to add.\n",
    ],
    apiKeysSchema.fields.keys.item,
    [
      'sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"   # sha256 of the key "test"',
      "user = 1",
      'label = "desk 1"',
    ],
  );
}

function adminKeysSection(): string {
  return keysFileSection(
    "Admin keys file",
    [
      "Named by `admin.keysFile` (relative paths are relative to the config file). The operators' keys for the",
      "admin API (docs/admin.md), apart from the trading API keys: a hash found in both files stops the start.",
      `Without a file the development key \`${devAdminKey}\` (role operate) works, and the start-up summary says so.`,
      "`bun src/config/main.ts keygen --operator NAME [--role operate|read]` makes a random admin key and " +
        "prints its entry.\n",
    ],
    adminKeysSchema.fields.keys.item,
    ['sha256 = "…64 hex digits…"', 'operator = "alice"', 'role = "operate"'],
  );
}

function exampleSection(): string {
  const defaults = defaultOf(exchangeSchema, false) as Record<string, unknown>;
  return ["## Every key with its default (TOML)\n", "```toml", tomlStringify(defaults).trimEnd(), "```", ""].join("\n");
}
