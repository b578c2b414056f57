// The TCP gateway's fixed limits and timings, with their units and reasons.
// (Limits an operator may tune are in config.ts.)

import { openOrdersPageCountMax, serverFrameBytesMax } from "../protocol/index.ts";

/** Malformed messages (whole frames that fail verification) that end a logged-in session: the 64th ends it. */
export const malformedMessagesMax = 64;

/** How often heartbeats, idle and login timeouts and closing sessions are checked. */
export const sweepMs = 100;
/**
 * How often cancel-on-disconnect and dead-man's-switch deadlines are checked
 * (they fire at most this late), and answers waiting for budget go on.
 */
export const deadlineTickMs = 10;
/** A session told to log out is closed after this long even if the client does not read. */
export const closeGraceMs = 2000;
/** Longest Logout text sent (characters). */
export const logoutTextLengthMax = 200;

/** Outbound queues are chains of chunks this size: one chunk holds the largest exchange frame. */
export const outboundChunkBytes = serverFrameBytesMax;
/** Free chunks the gateway keeps for reuse (16 MiB); more go back to the garbage collector. */
export const outboundChunksKeptMax = 256;

/** An OpenOrders page is written only while the session has fewer unsent bytes than this (about two full pages). */
export const queryRoomBytes = 64 * 1024;
/** OpenOrders pages written per pass over the querying sessions, in all: others wait for at most this many. */
export const queryPagesPerPassMax = 1;
/**
 * Orders per OpenOrders page (the protocol allows up to 256). A page is a unit
 * of work other sessions may wait behind: a page of 32 is written in ~1.3 µs in
 * its fixed layout (the FlatBuffers Builder took ~21 µs; mitata, shared 2-core
 * VM), and its orders are read from the engine one by one.
 */
export const queryPageOrdersMax = 32;

function check(condition: boolean, fact: string): void {
  if (!condition) throw new Error(`gateway constants: ${fact}`);
}

check(malformedMessagesMax >= 1, "at least one malformed message ends a session");
check(deadlineTickMs <= sweepMs, "deadlines are checked at least as often as sessions");
check(queryRoomBytes <= outboundChunkBytes * 2, "a query waits before its session holds more than two chunks");
check(queryPageOrdersMax >= 1 && queryPageOrdersMax <= openOrdersPageCountMax, "a page holds what the protocol allows");
