// Log levels, lowest first. A logger writes its level and those above it.

export const levelNames = ["debug", "info", "warn", "error"] as const;
export type LevelName = (typeof levelNames)[number];
export const Level = { debug: 0, info: 1, warn: 2, error: 3 } as const satisfies Record<LevelName, number>;
/** Above every level: nothing is written. */
export const levelOff = 4;
