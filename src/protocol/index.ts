export * from "./codec.ts";
export * from "./constants.ts";
export * from "./fixed.ts";
export * from "./frame.ts";
export * from "./messages.ts";
export { Verifier } from "./verify.ts";
