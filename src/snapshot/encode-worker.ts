// Worker thread: turns a snapshot image into snapshot bytes, off the matching thread.

import { encodeSnapshot } from "./format.ts";
import type { SnapshotImage } from "./image.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ id: number; image: SnapshotImage }>) => {
  const { id, image } = event.data;
  try {
    const bytes = encodeSnapshot(image);
    self.postMessage({ id, bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    self.postMessage({ id, error: (error as Error).message });
  }
};
